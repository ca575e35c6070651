"""`mkctl token` and `mkctl join` against the real API server and a real controller
manager running the bootstrap signer and the token cleaner.

`join` runs as a user runs it, with `--root TMP --no-start`: it discovers and verifies
cluster-info over HTTP, then writes the node's kubeconfig, env files and units under TMP
(systemd is never touched). Every wait is a condition polled with a deadline.
"""

from __future__ import annotations

import re
import stat
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from minik8s.bootstrap.token import JWS_PREFIX, BootstrapToken, server_of, verify
from minik8s.client.config import ClientConfig
from tests.conftest import APIServerProcess
from tests.integration.controllers.conftest import ControllerManager, wait_for
from tests.integration.ctl.conftest import Mkctl

pytestmark = pytest.mark.integration

CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
TOKEN_RE = re.compile(r"^[a-z0-9]{6}\.[a-z0-9]{16}$")


@pytest.fixture(scope="module")
def signer(apiserver: APIServerProcess, workdir: Path) -> Iterator[ControllerManager]:
    """mk-controller-manager with only the bootstrap signer and the token cleaner."""
    cm = ControllerManager(
        apiserver.url,
        workdir / f"cm-join-{uuid.uuid4().hex[:6]}.log",
        [
            "--controllers",
            "bootstrapsigner,tokencleaner",
            "--leader-elect-resource-name",
            f"cm-join-{uuid.uuid4().hex[:8]}",
            "--leader-elect-retry-period",
            "0.5s",
        ],
    )
    try:
        wait_for(cm.ready, "the controller manager's /healthz", 60)
        yield cm
    finally:
        cm.stop()


def _signatures(api: httpx.Client) -> dict[str, str]:
    r = api.get(CLUSTER_INFO)
    if r.status_code != 200:
        return {}
    data = r.json().get("data") or {}
    return {k: v for k, v in data.items() if k.startswith(JWS_PREFIX)}


def _create(mkctl: Mkctl, *flags: str) -> str:
    result = mkctl("token", "create", *flags, namespaced=False)
    token, hint = result.stdout.splitlines()
    assert TOKEN_RE.match(token), result.stdout
    assert f"mkctl join --server {mkctl.server} --token {token}" in hint
    return token


def _join(mkctl: Mkctl, token: str, root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ("join", "--token", token, "--root", str(root), "--no-start", *extra)
    return mkctl(*args, namespaced=False, check=False, timeout=60)


def test_token_create_join_delete(
    signer: ControllerManager, mkctl: Mkctl, api: httpx.Client, tmp_path: Path
) -> None:
    token = _create(mkctl, "--advertise-url", mkctl.server, "--description", "workers")
    token_id = token.split(".")[0]
    listed = mkctl("token", "list", namespaced=False).stdout
    row = rf"^{re.escape(token)}\s+23h\s+\S+\s+authentication,signing\s+workers$"
    assert re.search(row, listed, re.M), listed

    # the signer signs cluster-info with the new token, verifiably
    sigs = wait_for(lambda: _signatures(api).get(JWS_PREFIX + token_id), "the signature", 60)
    kubeconfig = api.get(CLUSTER_INFO).json()["data"]["kubeconfig"]
    assert server_of(kubeconfig) == mkctl.server
    assert verify(kubeconfig, sigs, BootstrapToken.parse(token))

    root = tmp_path / "node"
    result = _join(mkctl, token, root, "--node-name", "worker-1", "--node-ip", "10.99.0.2")
    assert result.returncode == 0, result.stderr
    assert f"cluster-info verified with token {token_id}" in result.stdout
    conf = root / "etc/minik8s/kubelet.conf"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    # the node's daemons read it with the same loader: server and token as discovered
    config = ClientConfig.from_kubeconfig(str(conf))
    assert (config.server, config.token) == (mkctl.server, token)
    # and the API server answers with it
    bearer = {"Authorization": f"Bearer {config.token}"}
    with httpx.Client(base_url=config.server, timeout=10, headers=bearer) as node:
        assert node.get("/api/v1/namespaces/kube-public").status_code == 200
    env = (root / "etc/minik8s/kubelet.env").read_text()
    assert 'MK_KUBELET_ARGS="--hostname-override worker-1 --node-ip 10.99.0.2"' in env
    for unit in ("mk-cri-docker", "mk-kubelet", "mk-proxy"):
        text = (root / f"etc/systemd/system/{unit}.service").read_text()
        assert "Restart=always" in text and f"/{unit} " in text

    # deleting the token removes its signature; the token no longer joins
    assert mkctl("token", "delete", token_id, namespaced=False).stdout.strip() == (
        f'bootstrap token "{token_id}" deleted'
    )
    wait_for(lambda: JWS_PREFIX + token_id not in _signatures(api), "the signature to go", 60)
    gone = _join(mkctl, token, tmp_path / "after-delete", "--discovery-timeout", "2s")
    assert gone.returncode == 1 and "Traceback" not in gone.stderr
    assert gone.stderr.count("\n") == 1 and f"no signature for token id {token_id}" in gone.stderr
    assert not (tmp_path / "after-delete").exists()
    assert "not found" in mkctl.fails("token", "delete", token_id)


def test_wrong_secret_fails_at_once_and_writes_nothing(
    signer: ControllerManager, mkctl: Mkctl, api: httpx.Client, tmp_path: Path
) -> None:
    token = _create(mkctl, "--ttl", "10m")
    token_id = token.split(".")[0]
    wait_for(lambda: JWS_PREFIX + token_id in _signatures(api), "the signature", 60)
    wrong = f"{token_id}.{'0' * 16}"
    result = _join(mkctl, wrong, tmp_path / "node")  # no retries: a wrong secret stays wrong
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "not signed with this token" in result.stderr and "nothing was written" in result.stderr
    assert not (tmp_path / "node").exists()
    mkctl("token", "delete", token, namespaced=False)


def test_expired_token_is_unsigned_and_cleaned(
    signer: ControllerManager, mkctl: Mkctl, api: httpx.Client, tmp_path: Path
) -> None:
    token = _create(mkctl, "--ttl", "2s")
    token_id = token.split(".")[0]
    secret = f"/api/v1/namespaces/kube-system/secrets/bootstrap-token-{token_id}"
    # the token cleaner deletes the Secret after expiry, the signer drops the signature
    wait_for(lambda: api.get(secret).status_code == 404, "the expired token to go", 60)
    wait_for(lambda: JWS_PREFIX + token_id not in _signatures(api), "its signature to go", 60)
    result = _join(mkctl, token, tmp_path / "node", "--discovery-timeout", "1s")
    assert result.returncode == 1 and "has no signature" in result.stderr
    assert not (tmp_path / "node").exists()
