"""managedFields: ownership on every write, server-side apply, conflicts and removal."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from minik8s.api import errors
from minik8s.api.fieldset import FieldSet, path_text
from minik8s.api.managedfields import (
    ANCIENT,
    APPLY,
    LAST_APPLIED,
    UPDATE,
    ApplyConflict,
    Entry,
    Manager,
    apply,
    base_entries,
    read_entries,
    update,
    write_entries,
)
from minik8s.api.resources import lookup

DEPLOYMENTS = lookup("apps", "v1", "deployments")
CONFIGMAPS = lookup("", "v1", "configmaps")
assert DEPLOYMENTS is not None and CONFIGMAPS is not None
T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"


def cm(**data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "ns", "uid": "u", "resourceVersion": "7"},
        "data": dict(data),
    }


def config(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}


def owned(entries: list[Entry], manager: str) -> list[str]:
    entry = next(e for e in entries if e.manager == manager)
    return [path_text(p) for p in entry.fields.paths()]


def managers(entries: list[Entry]) -> list[tuple[str, str]]:
    return [(e.manager, e.operation) for e in entries]


def applied(
    live: dict[str, Any] | None,
    cfg: dict[str, Any],
    base: list[Entry],
    who: str,
    *,
    force: bool = False,
    now: str = T1,
) -> tuple[dict[str, Any], list[Entry]]:
    assert CONFIGMAPS is not None
    return apply(CONFIGMAPS, live, cfg, base, Manager(who), force=force, now=now)


# --------------------------------------------------------------------------- updates


def test_a_create_owns_everything_but_what_the_server_sets() -> None:
    assert CONFIGMAPS is not None
    entries = update(CONFIGMAPS, None, cm(a="1"), [], Manager("kubectl-create"), T0)
    assert entries is not None
    assert managers(entries) == [("kubectl-create", UPDATE)]
    assert owned(entries, "kubectl-create") == [".data", ".data.a"]
    doc = write_entries(entries)[0]
    assert doc == {
        "manager": "kubectl-create",
        "operation": "Update",
        "apiVersion": "v1",
        "time": T0,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {".": {}, "f:a": {}}},
    }


def test_an_update_takes_the_fields_it_changes_from_every_other_manager() -> None:
    assert CONFIGMAPS is not None
    first = update(CONFIGMAPS, None, cm(a="1", b="2"), [], Manager("alice"), T0)
    assert first is not None
    second = update(CONFIGMAPS, cm(a="1", b="2"), cm(a="9", b="2"), first, Manager("bob"), T1)
    assert second is not None
    assert owned(second, "alice") == [".data", ".data.b"]
    assert owned(second, "bob") == [".data.a"]
    assert next(e for e in second if e.manager == "alice").time == T0
    # Nothing tracked changed: the entries stay as they are.
    assert (
        update(CONFIGMAPS, cm(a="9", b="2"), cm(a="9", b="2"), second, Manager("eve"), T2) is None
    )


def test_a_removed_field_leaves_every_manager() -> None:
    assert CONFIGMAPS is not None
    first = update(CONFIGMAPS, None, cm(a="1", b="2"), [], Manager("alice"), T0)
    assert first is not None
    after = update(CONFIGMAPS, cm(a="1", b="2"), cm(a="1"), first, Manager("bob"), T1)
    assert after is not None
    assert owned(after, "alice") == [".data", ".data.a"]
    assert all(e.manager != "bob" for e in after)  # removing gives nothing to own


def test_status_is_owned_through_its_subresource_only() -> None:
    assert DEPLOYMENTS is not None
    live = {"metadata": {"name": "d"}, "spec": {"replicas": 1}}
    new = {"metadata": {"name": "d"}, "spec": {"replicas": 1}, "status": {"replicas": 1}}
    # Through the main resource a status change is no one's (the strategy resets it).
    assert update(DEPLOYMENTS, live, new, [], Manager("x"), T0) is None
    entries = update(DEPLOYMENTS, live, new, [], Manager("ctrl", "status"), T0)
    assert entries is not None
    assert entries[0].subresource == "status"
    assert owned(entries, "ctrl") == [".status.replicas"]
    assert write_entries(entries)[0]["subresource"] == "status"


def test_more_than_ten_update_managers_merge_the_oldest() -> None:
    assert CONFIGMAPS is not None
    entries: list[Entry] = []
    live = cm()
    for i in range(12):
        new = cm(**{f"k{j}": "v" for j in range(i + 1)})
        got = update(
            CONFIGMAPS, live, new, entries, Manager(f"m{i:02}"), f"2026-01-01T00:00:{i:02}Z"
        )
        assert got is not None
        entries, live = got, new
    names = [e.manager for e in entries]
    assert len(names) == 10 and ANCIENT in names
    assert "m00" not in names and "m11" in names
    ancient = next(e for e in entries if e.manager == ANCIENT)
    assert {".data.k0", ".data.k2"} <= {path_text(p) for p in ancient.fields.paths()}


# --------------------------------------------------------------------------- entries


def test_entries_read_back_and_clients_may_reset_or_replace_them() -> None:
    assert CONFIGMAPS is not None
    entries = update(CONFIGMAPS, None, cm(a="1"), [], Manager("alice"), T0)
    assert entries is not None
    stored = write_entries(entries)
    assert read_entries(stored) == entries
    assert base_entries(stored, None) == entries
    assert base_entries(stored, []) == []  # an explicit empty list resets them
    mine = [{**stored[0], "manager": "bob"}]
    assert [e.manager for e in base_entries(stored, mine)] == ["bob"]
    assert base_entries(stored, [{"operation": "Nope"}]) == entries  # unusable: live ones
    assert base_entries(stored, mine, subresource="status") == entries


def test_appliers_come_first_then_by_time() -> None:
    a = Entry("z", UPDATE, "v1", T0, FieldSet({"f:a": {}}))
    b = Entry("y", APPLY, "v1", T2, FieldSet({"f:b": {}}))
    c = Entry("x", UPDATE, "v1", None, FieldSet({"f:c": {}}))
    assert [d["manager"] for d in write_entries([a, b, c])] == ["y", "x", "z"]


# --------------------------------------------------------------------------- apply


def test_an_applier_owns_exactly_what_it_applied() -> None:
    merged, entries = applied(None, config(a="1"), [], "alice")
    assert merged["data"] == {"a": "1"}
    assert managers(entries) == [("alice", APPLY)]
    assert owned(entries, "alice") == [".data.a"]
    assert write_entries(entries)[0]["fieldsV1"] == {"f:data": {"f:a": {}}}


def test_an_apply_that_changes_nothing_keeps_the_entries_and_their_time() -> None:
    _, entries = applied(None, config(a="1"), [], "alice", now=T0)
    again, later = applied(cm(a="1"), config(a="1"), entries, "alice", now=T2)
    assert later == entries and again["data"] == {"a": "1"}


def test_a_conflict_names_each_field_and_its_manager() -> None:
    assert CONFIGMAPS is not None
    creator = update(CONFIGMAPS, None, cm(a="1", b="2"), [], Manager("kubectl-create"), T0)
    assert creator is not None
    with pytest.raises(ApplyConflict) as one:
        applied(cm(a="1", b="2"), config(a="9"), creator, "alice")
    assert one.value.code == 409
    assert one.value.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.a'
    )
    assert one.value.to_status()["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-create" using v1',
            "field": ".data.a",
        }
    ]
    _, with_alice = applied(cm(a="1", b="2"), config(b="2"), creator, "alice")
    with pytest.raises(ApplyConflict) as two:
        applied(cm(a="1", b="2"), config(a="8", b="8"), with_alice, "bob")
    assert two.value.message == (
        "Apply failed with 3 conflicts: "
        'conflicts with "alice":\n- .data.b\n'
        'conflicts with "kubectl-create" using v1:\n- .data.a\n- .data.b'
    )


def test_equal_values_are_shared_and_force_takes_fields_over() -> None:
    _, entries = applied(None, config(a="1"), [], "alice")
    _, shared = applied(cm(a="1"), config(a="1"), entries, "bob")
    assert owned(shared, "alice") == [".data.a"] and owned(shared, "bob") == [".data.a"]
    with pytest.raises(errors.Conflict):
        applied(cm(a="1"), config(a="2"), shared, "bob")
    merged, forced = applied(cm(a="1"), config(a="2"), shared, "bob", force=True)
    assert merged["data"] == {"a": "2"}
    assert managers(forced) == [("bob", APPLY)]


def test_a_field_no_longer_applied_goes_unless_someone_else_owns_it() -> None:
    _, entries = applied(None, config(a="1", b="2"), [], "alice")
    merged, entries = applied(cm(a="1", b="2"), config(a="1"), entries, "alice")
    assert merged["data"] == {"a": "1"}
    _, entries = applied(cm(a="1"), config(a="1", c="3"), entries, "alice")
    _, entries = applied(cm(a="1", c="3"), config(c="3"), entries, "bob")
    merged, entries = applied(cm(a="1", c="3"), config(a="1"), entries, "alice")
    assert merged["data"] == {"a": "1", "c": "3"}  # bob still applies c
    assert owned(entries, "bob") == [".data.c"]


def test_an_item_no_longer_applied_goes_even_when_another_manager_changed_it() -> None:
    assert DEPLOYMENTS is not None

    def dep(*names: str) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {
                "selector": {"matchLabels": {"a": "b"}},
                "template": {"spec": {"containers": [{"name": n, "image": "i"} for n in names]}},
            },
        }

    live, entries = apply(
        DEPLOYMENTS, None, dep("web", "side"), [], Manager("a"), force=False, now=T0
    )
    changed = copy.deepcopy(live)
    changed["spec"]["template"]["spec"]["containers"][1]["image"] = "j"
    got = update(DEPLOYMENTS, live, changed, entries, Manager("kubectl-edit"), T1)
    assert got is not None
    # kubectl-edit owns the image of "side", not the item itself: it goes (Kubernetes' rule).
    merged, after = apply(DEPLOYMENTS, changed, dep("web"), got, Manager("a"), force=False, now=T2)
    assert [c["name"] for c in merged["spec"]["template"]["spec"]["containers"]] == ["web"]
    assert all(e.manager != "kubectl-edit" for e in after)


def test_a_struct_field_stays_while_anything_under_it_is_owned() -> None:
    assert DEPLOYMENTS is not None

    def dep(strategy: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"strategy": strategy},
        }

    live, entries = apply(DEPLOYMENTS, None, dep({}), [], Manager("a"), force=False, now=T0)
    wider = dep({"rollingUpdate": {"maxSurge": 2}})
    merged, entries = apply(DEPLOYMENTS, live, wider, entries, Manager("a"), force=False, now=T1)
    assert merged["spec"]["strategy"] == {"rollingUpdate": {"maxSurge": 2}}
    assert owned(entries, "a") == [".spec.strategy.rollingUpdate.maxSurge"]


def test_status_in_an_applied_configuration_is_not_owned_through_the_main_resource() -> None:
    assert DEPLOYMENTS is not None
    cfg = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"replicas": 2},
        "status": {"replicas": 5},
    }
    _, entries = apply(DEPLOYMENTS, None, cfg, [], Manager("a"), force=False, now=T0)
    assert owned(entries, "a") == [".spec.replicas"]
    _, on_status = apply(DEPLOYMENTS, None, cfg, [], Manager("a", "status"), force=False, now=T0)
    assert owned(on_status, "a") == [".status.replicas"]


def test_an_unplaceable_configuration_is_a_bad_request() -> None:
    assert DEPLOYMENTS is not None
    cfg = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"image": "i"}]}}},
    }
    with pytest.raises(errors.BadRequest, match="omits key field"):
        apply(DEPLOYMENTS, None, cfg, [], Manager("a"), force=False, now=T0)


# --------------------------------------------------------------------------- client-side apply


def csa_object(data: dict[str, str], applied_data: dict[str, str]) -> dict[str, Any]:
    obj = cm(**data)
    last = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "data": applied_data})
    obj["metadata"]["annotations"] = {LAST_APPLIED: last}
    return obj


def test_kubectl_takes_over_what_client_side_apply_last_set() -> None:
    assert CONFIGMAPS is not None
    live = csa_object({"a": "1", "b": "2"}, {"a": "1"})
    csa = update(CONFIGMAPS, None, live, [], Manager("kubectl-client-side-apply"), T0)
    assert csa is not None
    merged, entries = applied(live, config(a="2"), csa, "kubectl")
    assert merged["data"]["a"] == "2"
    assert owned(entries, "kubectl") == [".data.a"]
    annotation = merged["metadata"]["annotations"][LAST_APPLIED]
    assert json.loads(annotation) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"a": "2"},
    }
    assert annotation.endswith("\n")
    # b was not in the annotation: still a conflict, and other managers get no such pass.
    with pytest.raises(ApplyConflict, match=r"\.data\.b"):
        applied(live, config(a="2", b="3"), csa, "kubectl")
    with pytest.raises(ApplyConflict):
        applied(live, config(a="2"), csa, "someone-else")
