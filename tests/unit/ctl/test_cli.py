"""Argument handling, error text, label plans and `config`, without a server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from minik8s.api import errors
from minik8s.client.config import ConfigError
from minik8s.client.rest import Unreachable
from minik8s.ctl.cmd_edit_meta import parse_changes, plan_labels
from minik8s.ctl.common import error_text, parse_duration, parse_targets
from minik8s.ctl.context import CtlError
from minik8s.ctl.main import build_parser, run


def _run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err, io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_targets_in_both_forms() -> None:
    [t] = parse_targets(["deploy", "a", "b"], "get")
    assert (t.info.plural, t.names) == ("deployments", ["a", "b"])
    targets = parse_targets(["po/x", "svc/y", "pods/z"], "get")
    assert [(t.info.plural, t.names) for t in targets] == [
        ("pods", ["x", "z"]),
        ("services", ["y"]),
    ]
    assert [t.info.plural for t in parse_targets(["deployments.apps,cm"], "get")] == [
        "deployments",
        "configmaps",
    ]
    assert "pods" in [t.info.plural for t in parse_targets(["all"], "get")]


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ([], "You must specify the type of resource to get"),
        (["foo"], 'the server doesn\'t have a resource type "foo"'),
        (["deploy", "deploy/web"], "there is no need to specify a resource type"),
        (["deploy,svc", "web"], "only specify a single resource type"),
    ],
)
def test_target_errors(words: list[str], message: str) -> None:
    with pytest.raises(CtlError, match=message):
        parse_targets(words, "get")


def test_error_text_is_kubectl_s_one_line() -> None:
    not_found = errors.NotFound('deployments.apps "x" not found')
    assert error_text(not_found) == 'Error from server (NotFound): deployments.apps "x" not found'
    refused = Unreachable(
        "cannot reach the API server at http://127.0.0.1:6443: connection refused"
    )
    assert error_text(refused, "http://127.0.0.1:6443") == (
        "The connection to the server 127.0.0.1:6443 was refused - "
        "did you specify the right host or port?"
    )
    invalid = errors.Invalid('Service "s" is invalid: [a: x,\n b: y]')
    assert error_text(invalid, action='error when creating "f.yaml": ') == (
        'Error from server (Invalid): error when creating "f.yaml": '
        'Service "s" is invalid: [a: x, b: y]'
    )
    assert error_text(ConfigError("no kubeconfig at x")) == "error: no kubeconfig at x"


def test_durations() -> None:
    assert parse_duration("30s") == 30
    assert parse_duration("1m30s") == 90
    assert parse_duration("500ms") == 0.5
    assert parse_duration("2") == 2


def test_global_flags_go_before_or_after_the_command() -> None:
    parser = build_parser()
    before = parser.parse_args(["-n", "x", "-s", "http://a:1", "get", "po"])
    after = parser.parse_args(["get", "po", "-n", "x", "--server=http://a:1"])
    for args in (before, after):
        assert (args.namespace, args.server, args.resources) == ("x", "http://a:1", ["po"])
    mixed = parser.parse_args(["label", "cm", "--all", "k=v", "--overwrite"])
    assert mixed.words == ["cm", "k=v"] and mixed.all and mixed.overwrite


def test_usage_errors_exit_1_with_one_line() -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["get", "--bogus"])
    assert exit_.value.code == 1


def test_label_changes_and_plans() -> None:
    assert parse_changes(["deploy", "web", "a=1", "b-"]) == (["deploy", "web"], {"a": "1"}, ["b"])
    plan = plan_labels(
        {"a": "1", "b": "2"}, {"a": "1", "c": "3"}, ["b", "z"], field_name="labels", overwrite=False
    )
    assert plan.patch == {"metadata": {"labels": {"c": "3", "b": None}}}
    assert plan.word == "labeled"
    assert plan.notes == ['label "z" not found.']
    assert plan_labels({"b": "2"}, {}, ["b"], field_name="labels", overwrite=False).word == (
        "unlabeled"
    )
    assert plan_labels({"a": "1"}, {"a": "1"}, [], field_name="labels", overwrite=False).word == (
        "not labeled"
    )
    with pytest.raises(CtlError, match=r"'a' already has a value \(1\), and --overwrite is false"):
        plan_labels({"a": "1"}, {"a": "2"}, [], field_name="labels", overwrite=False)
    with pytest.raises(CtlError, match="declared annotation"):
        plan_labels({"a": "1"}, {"a": "2"}, [], field_name="annotations", overwrite=False)
    assert plan_labels({"a": "1"}, {"a": "2"}, [], field_name="annotations", overwrite=True).patch


KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [
        {
            "name": "c",
            "cluster": {"server": "http://127.0.0.1:6443", "certificate-authority-data": "QUJD"},
        }
    ],
    "users": [{"name": "u", "user": {"token": "secret"}}],
    "contexts": [{"name": "main", "context": {"cluster": "c", "user": "u"}}],
    "current-context": "main",
}


def test_config_commands_edit_the_kubeconfig(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    kc = ["--kubeconfig", str(path)]

    code, out, _ = _run(*kc, "config", "view")
    assert code == 0
    assert "token: REDACTED" in out and "certificate-authority-data: DATA+OMITTED" in out
    assert "token: secret" in _run(*kc, "config", "view", "--raw")[1]

    assert _run(*kc, "config", "set-context", "--current", "--namespace=dev")[1] == (
        'Context "main" modified.\n'
    )
    assert _run(*kc, "config", "set-context", "other", "--cluster=c", "--user=u")[1] == (
        'Context "other" created.\n'
    )
    assert _run(*kc, "config", "use-context", "other")[1] == 'Switched to context "other".\n'
    assert _run(*kc, "config", "current-context")[1] == "other\n"
    assert _run(*kc, "config", "get-contexts")[1].splitlines() == [
        "CURRENT   NAME    CLUSTER   AUTHINFO   NAMESPACE",
        "          main    c         u          dev",
        "*         other   c         u          ",
    ]
    assert _run(*kc, "config", "get-contexts", "-o", "name")[1] == "main\nother\n"
    assert path.stat().st_mode & 0o777 == 0o600

    code, _, err = _run(*kc, "config", "use-context", "nope")
    assert (code, err) == (1, 'error: no context exists with the name: "nope"\n')

    minified = yaml.safe_load(_run(*kc, "config", "view", "--minify")[1])
    assert [c["name"] for c in minified["contexts"]] == ["other"]


def test_a_missing_kubeconfig_is_one_line(tmp_path: Path) -> None:
    code, out, err = _run("--kubeconfig", str(tmp_path / "nope"), "get", "pods")
    assert code == 1 and out == ""
    assert err.startswith("error: no kubeconfig at ") and err.count("\n") == 1


def test_completion_scripts() -> None:
    code, out, _ = _run("completion", "bash")
    assert code == 0
    assert "complete -o default -F _mkctl mkctl" in out
    assert "_mkctl_verbs=" in out and " get " in out.split("_mkctl_verbs=")[1].splitlines()[0]
    zsh = _run("completion", "zsh")[1]
    assert zsh.startswith("#compdef mkctl") and "bashcompinit" in zsh
