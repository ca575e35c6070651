"""Label and field selectors: Kubernetes' syntax, errors and matching rules."""

from __future__ import annotations

import pytest

from minik8s.api.resources import RESOURCES, ResourceInfo, resolve
from minik8s.api.selectors import (
    FieldSelector,
    LabelSelector,
    Requirement,
    SelectorError,
    check_field_selector,
    field_matcher,
    selectable_fields,
    supported_fields,
)


def info(name: str) -> ResourceInfo:
    found = resolve(name)
    assert found is not None
    return found


# --- parsing ----------------------------------------------------------------------------------


def test_parse_every_syntax() -> None:
    sel = LabelSelector.parse(
        "app=web,tier!=db,env in (prod,qa),!legacy,release notin (a),has,x==y,n>3,m<10"
    )
    by_key = {r.key: r for r in sel.requirements}
    assert by_key["app"] == Requirement("app", "=", ("web",))
    assert by_key["tier"] == Requirement("tier", "!=", ("db",))
    assert by_key["env"] == Requirement("env", "in", ("prod", "qa"))
    assert by_key["legacy"] == Requirement("legacy", "!")
    assert by_key["release"] == Requirement("release", "notin", ("a",))
    assert by_key["has"] == Requirement("has", "exists")
    assert by_key["x"] == Requirement("x", "=", ("y",))  # "==" is "="
    assert by_key["n"] == Requirement("n", "gt", ("3",))
    assert by_key["m"] == Requirement("m", "lt", ("10",))


def test_parse_tolerates_whitespace_and_prefixed_keys() -> None:
    sel = LabelSelector.parse("  app.kubernetes.io/name = web ,  env in ( b , a ) ")
    assert str(sel) == "app.kubernetes.io/name=web,env in (a,b)"


def test_empty_value_is_allowed() -> None:
    sel = LabelSelector.parse("a=,b!=")
    assert sel.matches({"a": ""})
    assert not sel.matches({"a": "", "b": ""})


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_selector_matches_everything(text: str) -> None:
    sel = LabelSelector.parse(text)
    assert sel.empty()
    assert sel.matches({})
    assert sel.matches({"a": "b"})
    assert sel.matches(None)
    assert str(sel) == ""


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a in (b", '"a in (b"'),
        ("a in (b,c", '"a in (b,c"'),
        ("a in ()", "values set can't be empty"),
        ("a in b", "expected: '('"),
        ("a=b c", "found 'c'"),
        ("a,", "expected: identifier"),
        (",a", "expected: identifier"),
        ("!", "identifier after '!'"),
        ("!a=b", "found '='"),
        ("a b", "found 'b'"),
        ("a/b/c=x", "at most one '/'"),
        ("Bad_Prefix/x=y", "prefix part"),
        ("-a=b", "invalid label key"),
        ("a=-b", "invalid label value"),
        ("a=" + "x" * 64, "no more than 63"),
        ("x>y", "must be an integer"),
        ("x<", "an integer value"),
    ],
)
def test_parse_errors_name_the_bad_part(text: str, fragment: str) -> None:
    with pytest.raises(SelectorError) as err:
        LabelSelector.parse(text)
    assert str(err.value).startswith("unable to parse requirement:")
    assert fragment in str(err.value)


def test_requirement_constructor_validates() -> None:
    with pytest.raises(SelectorError):
        Requirement("a", "bogus", ())
    with pytest.raises(SelectorError):
        Requirement("a", "=", ("x", "y"))
    with pytest.raises(SelectorError):
        Requirement("a", "exists", ("x",))


# --- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app=web", {"app": "db"}, False),
        ("app=web", {}, False),
        ("app!=web", {}, True),  # != matches when the key is absent
        ("app!=web", {"app": "web"}, False),
        ("app!=web", {"app": "db"}, True),
        ("env in (a,b)", {"env": "b"}, True),
        ("env in (a,b)", {}, False),
        ("env notin (a,b)", {}, True),  # notin matches when the key is absent
        ("env notin (a,b)", {"env": "a"}, False),
        ("env notin (a,b)", {"env": "c"}, True),
        ("has", {"has": ""}, True),
        ("has", {}, False),
        ("!legacy", {}, True),
        ("!legacy", {"legacy": "1"}, False),
        ("n>3", {"n": "4"}, True),
        ("n>3", {"n": "3"}, False),
        ("n>3", {"n": "x"}, False),
        ("n>3", {}, False),
        ("n<3", {"n": "-1"}, True),
        ("app=web,tier=fe", {"app": "web", "tier": "fe", "x": "y"}, True),
        ("app=web,tier=fe", {"app": "web"}, False),
    ],
)
def test_matching(text: str, labels: dict[str, str], expected: bool) -> None:
    assert LabelSelector.parse(text).matches(labels) is expected


# --- metav1.LabelSelector and plain maps -------------------------------------------------------


def test_from_dict_none_matches_nothing_and_empty_matches_everything() -> None:
    nothing = LabelSelector.from_dict(None)
    assert not nothing.matches({})
    assert not nothing.matches({"a": "b"})
    assert not nothing.empty()
    everything = LabelSelector.from_dict({})
    assert everything.empty()
    assert everything.matches({"a": "b"})


def test_from_dict_with_expressions() -> None:
    sel = LabelSelector.from_dict(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "qa"]},
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "track", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(sel) == "app=web,env in (prod,qa),!legacy,tier notin (db),track"
    assert sel.matches({"app": "web", "env": "qa", "track": "x"})
    assert not sel.matches({"app": "web", "env": "qa"})
    assert not sel.matches({"app": "web", "env": "qa", "track": "x", "legacy": "1"})
    assert not sel.matches({"app": "web", "env": "qa", "track": "x", "tier": "db"})


@pytest.mark.parametrize(
    ("sel", "fragment"),
    [
        ({"matchExpressions": [{"key": "a", "operator": "in", "values": ["b"]}]}, "operator"),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}, "empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]}, "empty"),
        ({"matchLabels": {"a": "-bad"}}, "invalid label value"),
        ({"matchLabels": {"a": 1}}, "expected a string"),
    ],
)
def test_from_dict_errors(sel: dict[str, object], fragment: str) -> None:
    with pytest.raises(SelectorError, match=fragment):
        LabelSelector.from_dict(sel)


def test_from_set() -> None:
    sel = LabelSelector.from_set({"tier": "fe", "app": "web"})
    assert str(sel) == "app=web,tier=fe"
    assert sel.matches({"app": "web", "tier": "fe", "pod-template-hash": "x"})
    assert not sel.matches({"app": "web"})
    assert LabelSelector.from_set({}).matches({"any": "thing"})


@pytest.mark.parametrize(
    "text",
    [
        "app=web",
        "app=web,env in (prod,qa),!legacy,release notin (a),has,tier!=db",
        "n>3,x<20",
        "a=",
        "example.com/role in (a,b,c)",
    ],
)
def test_str_round_trip(text: str) -> None:
    sel = LabelSelector.parse(text)
    assert LabelSelector.parse(str(sel)) == sel


def test_str_is_canonical() -> None:
    a = LabelSelector.parse("z=1,a in (y,x,x)")
    b = LabelSelector.parse("a in (x,y), z==1")
    assert str(a) == str(b) == "a in (x,y),z=1"
    assert a == b


# --- field selectors --------------------------------------------------------------------------


def test_field_selector_parse_and_match() -> None:
    sel = FieldSelector.parse("metadata.name=x,spec.nodeName!=")
    assert sel.fields() == {"metadata.name", "spec.nodeName"}
    assert sel.matches({"metadata.name": "x", "spec.nodeName": "n1"})
    assert not sel.matches({"metadata.name": "x", "spec.nodeName": ""})
    assert not sel.matches({"metadata.name": "x"})  # a missing field is ""
    assert not sel.matches({"metadata.name": "y", "spec.nodeName": "n1"})


def test_field_selector_double_equals_and_empty() -> None:
    assert FieldSelector.parse("a==b").requirements == (("a", "=", "b"),)
    assert FieldSelector.parse("").empty()
    assert FieldSelector.parse("").matches({})
    assert FieldSelector.parse("a=b,,c=d").fields() == {"a", "c"}


def test_field_selector_unscheduled_pods() -> None:
    sel = FieldSelector.parse("spec.nodeName=")
    assert sel.matches({"spec.nodeName": ""})
    assert sel.matches({})
    assert not sel.matches({"spec.nodeName": "n1"})


def test_field_selector_escaping() -> None:
    sel = FieldSelector.parse(r"metadata.name=a\,b\=c\\d,x!=y")
    assert ("metadata.name", "=", "a,b=c\\d") in sel.requirements
    assert sel.matches({"metadata.name": "a,b=c\\d", "x": "z"})
    assert FieldSelector.parse(str(sel)) == sel
    assert str(FieldSelector.parse(r"a=x\,y")) == r"a=x\,y"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("metadata.name", "can't understand"),
        (r"a=b\x", "invalid escape"),
        ("a=b\\", "unterminated"),
        ("a==b=c", "unescaped '='"),
        ("=x", "no field name"),
    ],
)
def test_field_selector_errors(text: str, fragment: str) -> None:
    with pytest.raises(SelectorError, match=fragment):
        FieldSelector.parse(text)


def test_exact_value() -> None:
    sel = FieldSelector.parse("spec.nodeName=n1,status.phase!=Failed")
    assert sel.exact_value("spec.nodeName") == "n1"
    assert sel.exact_value("status.phase") is None


# --- selectable fields per kind ---------------------------------------------------------------


def test_pod_fields() -> None:
    pod = {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"nodeName": "n1", "restartPolicy": "Always", "hostNetwork": True},
        "status": {"phase": "Running", "podIP": "10.244.0.5"},
    }
    fields = selectable_fields(info("pods"), pod)
    assert fields["metadata.name"] == "p"
    assert fields["metadata.namespace"] == "ns"
    assert fields["spec.nodeName"] == "n1"
    assert fields["spec.restartPolicy"] == "Always"
    assert fields["spec.schedulerName"] == ""
    assert fields["spec.serviceAccountName"] == ""
    assert fields["spec.hostNetwork"] == "true"
    assert fields["status.phase"] == "Running"
    assert fields["status.podIP"] == "10.244.0.5"
    assert fields["status.nominatedNodeName"] == ""


def test_other_kinds_fields() -> None:
    node = selectable_fields(info("nodes"), {"metadata": {"name": "n1"}, "spec": {}})
    assert node == {"metadata.name": "n1", "metadata.namespace": "", "spec.unschedulable": "false"}
    event = selectable_fields(
        info("events"),
        {
            "involvedObject": {"kind": "Pod", "name": "p", "uid": "u"},
            "reason": "Scheduled",
            "source": {"component": "default-scheduler"},
            "type": "Normal",
        },
    )
    assert event["involvedObject.kind"] == "Pod"
    assert event["involvedObject.fieldPath"] == ""
    assert event["source"] == "default-scheduler"
    assert event["reportingComponent"] == ""
    secret = selectable_fields(info("secrets"), {"type": "Opaque"})
    assert secret["type"] == "Opaque"
    ns = selectable_fields(info("namespaces"), {"status": {"phase": "Active"}})
    assert ns["status.phase"] == "Active"
    rs = selectable_fields(info("replicasets"), {"status": {"replicas": 3}})
    assert rs["status.replicas"] == "3"
    job = selectable_fields(info("jobs"), {"status": {"succeeded": 1}})
    assert job["status.successful"] == "1"


def test_every_kind_supports_name_and_namespace() -> None:
    for resource in RESOURCES:
        assert {"metadata.name", "metadata.namespace"} <= supported_fields(resource)


def test_check_field_selector() -> None:
    check_field_selector(info("pods"), FieldSelector.parse("spec.nodeName=n1,status.phase=x"))
    with pytest.raises(SelectorError, match="^field label not supported: foo$"):
        check_field_selector(info("pods"), FieldSelector.parse("foo=bar"))
    with pytest.raises(SelectorError, match="field label not supported: spec.nodeName"):
        check_field_selector(info("configmaps"), FieldSelector.parse("spec.nodeName=n1"))


def test_field_matcher() -> None:
    match = field_matcher(info("pods"), FieldSelector.parse("spec.nodeName=n1"))
    assert match({"spec": {"nodeName": "n1"}})
    assert not match({"spec": {}})
    assert field_matcher(info("pods"), FieldSelector.parse(""))({})
