"""The add-on manager's pure parts: templates, the tenth service address, what a sync does."""

from __future__ import annotations

from pathlib import Path

import pytest

from controllers.addons import (
    AddonError,
    contains,
    default_variables,
    dns_server_ip,
    load,
    parse_variables,
    plan,
    render,
)

ADDONS = Path(__file__).resolve().parents[3] / "deploy" / "addons"
LABELS = {"addonmanager.kubernetes.io/mode": "Reconcile"}


def test_dns_server_ip_is_the_tenth_address() -> None:
    assert dns_server_ip("10.96.0.0/12") == "10.96.0.10"
    assert dns_server_ip("10.100.0.0/16") == "10.100.0.10"
    assert dns_server_ip("fd00:10:96::/112,10.96.0.0/12") == "fd00:10:96::a"


def test_the_dns_manifests_render() -> None:
    objs = load(ADDONS, default_variables("10.100.0.0/16", "corp.internal"))
    kinds = [(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in objs]
    assert kinds == [
        ("Service", "kube-system", "kube-dns"),
        ("Deployment", "kube-system", "coredns"),
    ]
    assert objs[0]["spec"]["clusterIP"] == "10.100.0.10"
    args = objs[1]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--cluster-domain=corp.internal" in args and "--upstream=" in args
    assert objs[1]["spec"]["replicas"] == 2


def test_templates_and_variables() -> None:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '${A}'}\n"
    assert render(doc, {"A": "x"}, "f")[0]["metadata"]["name"] == "x"
    with pytest.raises(AddonError, match="unknown add-on variable"):
        render(doc, {}, "f")
    with pytest.raises(AddonError, match="metadata.name"):
        render("apiVersion: v1\nkind: ConfigMap\n", {}, "f")
    assert parse_variables(["DNS_UPSTREAM=none", "X_1="]) == {"DNS_UPSTREAM": "none", "X_1": ""}
    with pytest.raises(AddonError):
        parse_variables(["lower=1"])


def test_contains_and_plan() -> None:
    manifest = {
        "metadata": {"name": "a", "labels": LABELS},
        "spec": {"replicas": 2, "ports": [{"port": 53}]},
    }  # noqa: E501
    live = {
        "metadata": {"name": "a", "labels": {**LABELS, "extra": "1"}, "uid": "u"},
        "spec": {"replicas": 2, "ports": [{"port": 53, "protocol": "UDP"}], "more": True},
    }
    assert contains(live, manifest) and plan("Reconcile", manifest, live) == "none"
    scaled = {**live, "spec": {**live["spec"], "replicas": 5}}
    assert plan("Reconcile", manifest, scaled) == "patch"
    assert plan("EnsureExists", manifest, scaled) == "none"
    assert plan("Reconcile", manifest, None) == "create"
    users = {**live, "metadata": {"name": "a"}}
    assert plan("Reconcile", manifest, users) == "foreign"
    assert not contains({"l": [1, 2]}, {"l": [1]}) and not contains({"b": 1}, {"b": True})
