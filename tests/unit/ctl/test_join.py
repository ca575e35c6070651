"""Bootstrap tokens, the detached JWS, cluster-info signing, unit rendering and the
`join` checks that need no server."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from controllers.tokencleaner import seconds_left
from minik8s.bootstrap import units
from minik8s.bootstrap.token import (
    JWS_PREFIX,
    KUBECONFIG_KEY,
    BootstrapToken,
    TokenError,
    TokenInfo,
    cluster_info_kubeconfig,
    server_of,
    sign,
    signed_data,
    token_secret,
    verify,
)
from minik8s.client.config import ClientConfig
from minik8s.ctl import cmd_join
from minik8s.ctl.main import run

NOW = datetime(2026, 11, 24, 1, 0, 0, tzinfo=UTC)
TOKEN = BootstrapToken("abcdef", "0123456789abcdef")
REPO = Path(__file__).resolve().parents[3]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err, io.StringIO())
    return code, out.getvalue(), err.getvalue()


# ---- tokens


def test_token_parse_and_generate() -> None:
    assert BootstrapToken.parse(" abcdef.0123456789abcdef\n") == TOKEN
    assert str(TOKEN) == "abcdef.0123456789abcdef"
    made = {str(BootstrapToken.generate()) for _ in range(50)}
    assert len(made) == 50
    assert all(re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", t) for t in made)


@pytest.mark.parametrize(
    "text",
    ["", "abcdef", "abcdef.0123456789abcde", "ABCDEF.0123456789abcdef", "abcde.0123456789abcdefg"],
)
def test_token_parse_rejects(text: str) -> None:
    with pytest.raises(TokenError, match="not a bootstrap token"):
        BootstrapToken.parse(text)


def test_secret_round_trip() -> None:
    expires = NOW + timedelta(hours=2)
    secret = token_secret(TOKEN, expiration=expires, description="workers", usages=["signing"])
    assert secret["metadata"] == {"name": "bootstrap-token-abcdef", "namespace": "kube-system"}
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    decoded = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert decoded == {
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        "expiration": "2026-11-24T03:00:00Z",
        "description": "workers",
        "usage-bootstrap-signing": "true",
    }
    info = TokenInfo.from_secret(secret)
    assert (info.token, info.expiration, info.description, info.usages) == (
        TOKEN,
        expires,
        "workers",
        ("signing",),
    )
    assert info.can_sign(NOW) and not info.expired(NOW)
    assert info.expired(expires) and not info.can_sign(expires)
    forever = TokenInfo.from_secret(token_secret(TOKEN, expiration=None, usages=["authentication"]))
    assert forever.expiration is None and not forever.can_sign(NOW)


def test_malformed_secrets_are_rejected() -> None:
    secret = token_secret(TOKEN, expiration=None)
    renamed = {**secret, "metadata": {"name": "bootstrap-token-zzzzzz"}}
    with pytest.raises(TokenError, match="does not match the name"):
        TokenInfo.from_secret(renamed)
    with pytest.raises(TokenError, match="not of type"):
        TokenInfo.from_secret({**secret, "type": "Opaque"})
    broken = {**secret, "data": {**secret["data"], "token-secret": "bm9wZQ=="}}
    with pytest.raises(TokenError, match="not a bootstrap token"):
        TokenInfo.from_secret(broken)


# ---- the detached JWS


def test_signature_matches_kubernetes() -> None:
    """The vectors of Kubernetes' own jws tests: a minik8s signature is a kubeadm one."""
    token = BootstrapToken("joshua", "my voice is my passcode")
    content = "Hello from the other side. I must have called a thousand times."
    expected = (
        "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8"
    )
    assert sign(content, token) == expected
    assert verify(content, expected, token)
    empty = "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk"
    assert sign("", token) == empty


def test_verify_rejects() -> None:
    signature = sign("content", TOKEN)
    assert verify("content", signature, TOKEN)
    assert not verify("content!", signature, TOKEN)  # tampered content
    assert not verify("content", signature, BootstrapToken("abcdef", "x" * 16))  # wrong secret
    assert not verify("content", signature, BootstrapToken("zzzzzz", TOKEN.secret))  # wrong kid
    header, _, mac = signature.split(".")
    assert not verify("content", f"{header}.Y29udGVudA.{mac}", TOKEN)  # not detached
    assert not verify("content", "garbage", TOKEN)
    assert not verify("content", f"!!!..{mac}", TOKEN)
    none_alg = base64.urlsafe_b64encode(b'{"alg":"none","kid":"abcdef"}').decode().rstrip("=")
    assert not verify("content", f"{none_alg}..", TOKEN)


# ---- cluster-info


def _info(token: BootstrapToken, hours: float | None, usages: tuple[str, ...]) -> TokenInfo:
    expiration = None if hours is None else NOW + timedelta(hours=hours)
    return TokenInfo(token, expiration, "", usages)


def test_signed_data() -> None:
    kubeconfig = cluster_info_kubeconfig("http://192.168.56.10:6443")
    assert server_of(kubeconfig) == "http://192.168.56.10:6443"
    signer = _info(TOKEN, 2, ("authentication", "signing"))
    forever = _info(BootstrapToken("qqqqqq", "q" * 16), None, ("signing",))
    expired = _info(BootstrapToken("eeeeee", "e" * 16), -1, ("signing",))
    auth_only = _info(BootstrapToken("aaaaaa", "a" * 16), 5, ("authentication",))
    data = {KUBECONFIG_KEY: kubeconfig, "other": "kept", f"{JWS_PREFIX}gone00": "stale"}

    wanted, next_change = signed_data(data, [signer, forever, expired, auth_only], NOW)
    assert set(wanted) == {KUBECONFIG_KEY, "other", f"{JWS_PREFIX}abcdef", f"{JWS_PREFIX}qqqqqq"}
    assert verify(kubeconfig, wanted[f"{JWS_PREFIX}abcdef"], TOKEN)
    assert next_change == NOW + timedelta(hours=2)
    # nothing to change the second time: no write
    assert signed_data(wanted, [signer, forever, expired, auth_only], NOW) == (wanted, next_change)
    # a changed kubeconfig gets fresh signatures
    moved = {**wanted, KUBECONFIG_KEY: cluster_info_kubeconfig("http://10.0.0.1:6443")}
    resigned, _ = signed_data(moved, [signer], NOW)
    assert verify(moved[KUBECONFIG_KEY], resigned[f"{JWS_PREFIX}abcdef"], TOKEN)
    # no kubeconfig: nothing to sign, every signature dropped
    assert signed_data({"x": "y", f"{JWS_PREFIX}abcdef": "s"}, [signer], NOW) == ({"x": "y"}, None)


def test_server_of_rejects() -> None:
    for text in ("", "a: [", "clusters: []", "clusters: [{cluster: {server: ftp://x}}]"):
        with pytest.raises(TokenError):
            server_of(text)


def test_token_cleaner_timing() -> None:
    secret = token_secret(TOKEN, expiration=NOW + timedelta(seconds=30))
    assert seconds_left(secret, NOW) == 30
    assert seconds_left(secret, NOW + timedelta(minutes=1)) == -30
    assert seconds_left(token_secret(TOKEN, expiration=None), NOW) is None
    assert seconds_left({**secret, "type": "Opaque"}, NOW) is None


# ---- units


def test_deploy_systemd_is_the_rendering(tmp_path: Path) -> None:
    """deploy/systemd/ holds exactly what `python -m minik8s.bootstrap.units` renders."""
    units.write_all(tmp_path)
    rendered = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = REPO / "deploy" / "systemd"
    present = sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file())
    assert present == sorted([*rendered, Path("README.md")])
    for rel in rendered:
        assert (shipped / rel).read_text() == (tmp_path / rel).read_text(), (
            f"deploy/systemd/{rel} is stale: python -m minik8s.bootstrap.units deploy/systemd"
        )


def test_unit_shape() -> None:
    for unit in units.UNITS.values():
        text = units.render_unit(unit, "/srv/venv/bin")
        assert "Restart=always\n" in text and "RestartSec=2\n" in text
        assert f"EnvironmentFile=-/etc/minik8s/{unit.name.removeprefix('mk-')}.env\n" in text
        assert text.rstrip().endswith("WantedBy=multi-user.target")
        exec_line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
        assert exec_line.endswith(f" ${unit.env_var}")
        if unit.name != "mk-etcd":
            assert exec_line.startswith(f"ExecStart=/srv/venv/bin/{unit.name} ")
    kubelet = units.render_unit(units.UNITS["mk-kubelet"])
    assert "After=network-online.target docker.service mk-cri-docker.service\n" in kubelet
    assert "After=network-online.target mk-etcd.service\n" in units.render_unit(
        units.UNITS["mk-apiserver"]
    )
    assert "Requires=docker.service\n" in units.render_unit(units.UNITS["mk-cri-docker"])
    assert "127.0.0.1:2379" in units.render_unit(units.UNITS["mk-etcd"])
    env = units.render_env(units.UNITS["mk-apiserver"])
    assert env.endswith('MK_APISERVER_ARGS="--bind-address 0.0.0.0 --port 6443"\n')
    with pytest.raises(ValueError, match="env file"):
        units.render_env(units.UNITS["mk-kubelet"], ["--hostname-override", "a b"])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_units_pass_systemd_analyze(tmp_path: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)  # where this venv's console scripts are
    if not (Path(bin_dir) / "mk-kubelet").exists():
        pytest.skip("minik8s's console scripts are not installed next to this python")
    units.write_all(tmp_path, bin_dir)
    for unit in units.UNITS.values():
        if not Path(unit.command[0]).is_absolute() or Path(unit.command[0]).exists():
            result = subprocess.run(
                ["systemd-analyze", "verify", f"./{unit.name}.service"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert (result.returncode, result.stdout + result.stderr) == (0, ""), unit.name


# ---- join


def test_node_files(tmp_path: Path) -> None:
    files = cmd_join.node_files(
        "http://192.168.56.10:6443",
        TOKEN,
        node_name="worker-1",
        node_ip="192.168.56.11",
        cluster_cidr="10.244.0.0/16",
        pause_image=None,
        bin_dir="/opt/minik8s/venv/bin",
    )
    assert sorted(files) == [
        "/etc/minik8s/cri-docker.env",
        "/etc/minik8s/kubelet.conf",
        "/etc/minik8s/kubelet.env",
        "/etc/minik8s/proxy.env",
        "/etc/systemd/system/mk-cri-docker.service",
        "/etc/systemd/system/mk-kubelet.service",
        "/etc/systemd/system/mk-proxy.service",
    ]
    content, mode = files["/etc/minik8s/kubelet.conf"]
    assert mode == 0o600
    (tmp_path / "kubelet.conf").write_text(content)
    config = ClientConfig.from_kubeconfig(str(tmp_path / "kubelet.conf"))
    assert (config.server, config.token) == ("http://192.168.56.10:6443", str(TOKEN))
    kubelet_env = files["/etc/minik8s/kubelet.env"][0]
    assert 'MK_KUBELET_ARGS="--hostname-override worker-1 --node-ip 192.168.56.11"' in kubelet_env
    assert "--cluster-cidr 10.244.0.0/16" in files["/etc/minik8s/proxy.env"][0]
    service = files["/etc/systemd/system/mk-kubelet.service"][0]
    assert service == units.render_unit(units.UNITS["mk-kubelet"], "/opt/minik8s/venv/bin")
    assert yaml.safe_load(content)["users"][0]["user"]["token"] == str(TOKEN)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["join", "--token", str(TOKEN)], "needs --server URL and --token"),
        (["join", "-s", "http://127.0.0.1:1", "--token", "nope"], "not a bootstrap token"),
        (["join", "-s", "http://h:6443", "--token", str(TOKEN), "--root", "/tmp/x"], "--no-start"),
        (
            ["join", "-s", "http://h:6443", "--token", str(TOKEN), "--node-ip", "1.2.3"],
            "not an IP address",
        ),
        (
            ["join", "-s", "http://h:6443", "--token", str(TOKEN), "--node-name", "Bad_Name"],
            "not a valid node name",
        ),
        (["token", "delete", "ABC"], "not a token id"),
        (["token", "create", "x.y", "-s", "http://127.0.0.1:1"], "not a bootstrap token"),
    ],
)
def test_bad_input_is_one_line(argv: list[str], message: str) -> None:
    code, out, err = _run(*argv)
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and message in err, err


def test_join_says_how_to_get_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd_join.shutil, "which", lambda name: None)
    problem = cmd_join._docker_problem()
    assert problem is not None and "apt-get install -y docker.io" in problem
