"""Kubeconfig files and flags → ClientConfig, and the messages of what goes wrong."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from minik8s.client import ClientConfig, ConfigError


def write(path: Path, doc: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def kubeconfig(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "local", "cluster": {"server": "http://127.0.0.1:6443"}},
            {
                "name": "remote",
                "cluster": {
                    "server": "https://10.0.0.1:6443/",
                    "certificate-authority-data": base64.b64encode(b"CA PEM").decode(),
                },
            },
        ],
        "users": [
            {"name": "admin", "user": {"token": "t0k"}},
            {
                "name": "cert-user",
                "user": {
                    "client-certificate": "certs/me.crt",
                    "client-key-data": base64.b64encode(b"KEY PEM").decode(),
                },
            },
            {"name": "file-user", "user": {"tokenFile": "token.txt"}},
        ],
        "contexts": [
            {"name": "dev", "context": {"cluster": "local", "user": "admin", "namespace": "dev"}},
            {"name": "prod", "context": {"cluster": "remote", "user": "cert-user"}},
            {"name": "tf", "context": {"cluster": "local", "user": "file-user"}},
            {"name": "nowhere", "context": {"cluster": "missing", "user": "admin"}},
        ],
        "current-context": "dev",
    }
    doc.update(over)
    return doc


def test_current_context(tmp_path: Path) -> None:
    cfg = ClientConfig.from_kubeconfig(write(tmp_path / "config", kubeconfig()))
    assert cfg.server == "http://127.0.0.1:6443"
    assert cfg.namespace == "dev" and cfg.token == "t0k" and cfg.context == "dev"
    assert cfg.ca_file is None and cfg.cert_file is None


def test_data_fields_go_to_private_files_and_paths_are_relative(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "me.crt").write_text("CERT PEM")
    cfg = ClientConfig.from_kubeconfig(write(tmp_path / "config", kubeconfig()), "prod")
    assert cfg.server == "https://10.0.0.1:6443"  # trailing slash dropped
    assert cfg.namespace == "default"
    assert cfg.ca_file and Path(cfg.ca_file).read_bytes() == b"CA PEM"
    assert Path(cfg.ca_file).stat().st_mode & 0o077 == 0
    assert cfg.cert_file == str(tmp_path / "certs" / "me.crt")
    assert cfg.key_file and Path(cfg.key_file).read_bytes() == b"KEY PEM"


def test_token_file(tmp_path: Path) -> None:
    (tmp_path / "token.txt").write_text("from-file\n")
    cfg = ClientConfig.from_kubeconfig(write(tmp_path / "config", kubeconfig()), "tf")
    assert cfg.token == "from-file"


def test_kubeconfig_env_first_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a", kubeconfig())
    monkeypatch.setenv("KUBECONFIG", f"{path}:{tmp_path / 'b'}")
    assert ClientConfig.from_kubeconfig().namespace == "dev"


def test_missing_default_kubeconfig_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("MINIK8S_KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigError) as info:
        ClientConfig.from_kubeconfig()
    assert str(info.value) == "no kubeconfig at ~/.minik8s/config: run `make up` or pass --server"


@pytest.mark.parametrize(
    ("doc", "context", "message"),
    [
        (kubeconfig(), "nope", 'has no context named "nope"'),
        (kubeconfig(), "nowhere", 'has no cluster named "missing"'),
        (kubeconfig(**{"current-context": ""}), None, "has no current-context: pass --context"),
        (
            kubeconfig(clusters=[{"name": "local", "cluster": {"server": "127.0.0.1:6443"}}]),
            None,
            "must start with http:// or https://",
        ),
        (kubeconfig(clusters=[{"name": "local", "cluster": {}}]), None, "gives no server"),
    ],
)
def test_bad_kubeconfigs(tmp_path: Path, doc: dict[str, Any], context: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ClientConfig.from_kubeconfig(write(tmp_path / "config", doc), context)


def test_not_yaml(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("clusters: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        ClientConfig.from_kubeconfig(str(tmp_path / "config"))


def test_flags_override_the_kubeconfig(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig())
    cfg = ClientConfig.from_flags("http://other:1", path, None, "ns2", None)
    assert (cfg.server, cfg.namespace, cfg.token) == ("http://other:1", "ns2", "t0k")
    cfg = ClientConfig.from_flags(None, path, None, None, "flag-token")
    assert (cfg.server, cfg.namespace, cfg.token) == ("http://127.0.0.1:6443", "dev", "flag-token")


def test_server_flag_alone_needs_no_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("MINIK8S_KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = ClientConfig.from_flags("http://127.0.0.1:7000", None, None, None, None)
    assert cfg == ClientConfig(server="http://127.0.0.1:7000")
    with pytest.raises(ConfigError, match="must start with http"):
        ClientConfig.from_flags("127.0.0.1:7000", None, None, None, None)


def test_server_flag_ignores_a_broken_default_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("MINIK8S_KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".minik8s").mkdir()
    (tmp_path / ".minik8s" / "config").write_text("current-context: gone\n")
    cfg = ClientConfig.from_flags("http://127.0.0.1:7000", None, None, "x", None)
    assert (cfg.server, cfg.namespace) == ("http://127.0.0.1:7000", "x")
    with pytest.raises(ConfigError, match='no context named "gone"'):
        ClientConfig.from_flags(None, None, None, None, None)
