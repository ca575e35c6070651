"""Where the API server is and how to talk to it: kubeconfig files and command-line flags.

A kubeconfig is read the way kubectl reads it: the context (`--context`, else
`current-context`) names a cluster (server, certificate authority, TLS verification) and
a user (client certificate and key, bearer token or token file) plus a default namespace.
Relative file paths are relative to the kubeconfig's directory; `*-data` fields (base64)
are written to private temporary files that are removed when the process exits, because
TLS libraries want file names.

Which file: the `path` argument, else the first entry of `$KUBECONFIG`, else
`$MINIK8S_KUBECONFIG` (where `make up` writes when it is set), else `~/.minik8s/config`.

Every problem is a `ConfigError` with one message a user can act on. Nothing here does
I/O beyond reading the kubeconfig and the files it names; no concurrency concerns.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

DEFAULT_KUBECONFIG = "~/.minik8s/config"

_temp_files: list[str] = []


class ConfigError(ValueError):
    """The kubeconfig or the flags do not describe a usable API server; says why."""


@dataclass
class ClientConfig:
    server: str
    namespace: str = "default"
    token: str | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_tls_verify: bool = False
    timeout: float = 30.0
    context: str = ""

    def __post_init__(self) -> None:
        self.server = self.server.rstrip("/")

    @property
    def verify(self) -> str | bool:
        """What httpx's `verify` wants: a CA bundle path, or a bool."""
        if self.insecure_skip_tls_verify:
            return False
        return self.ca_file or True

    @property
    def cert(self) -> tuple[str, str] | str | None:
        """What httpx's `cert` wants: (certificate, key), one combined file, or nothing."""
        if self.cert_file and self.key_file:
            return (self.cert_file, self.key_file)
        return self.cert_file

    @classmethod
    def from_kubeconfig(cls, path: str | None = None, context: str | None = None) -> ClientConfig:
        """Read a kubeconfig file like kubectl does; see the module docstring."""
        file, shown = _kubeconfig_path(path)
        if not file.exists():
            raise ConfigError(f"no kubeconfig at {shown}: run `make up` or pass --server")
        try:
            doc = yaml.safe_load(file.read_text())
        except OSError as e:
            raise ConfigError(f"cannot read kubeconfig {shown}: {e.strerror or e}") from None
        except yaml.YAMLError as e:
            raise ConfigError(f"kubeconfig {shown} is not valid YAML: {e}") from None
        if not isinstance(doc, dict):
            raise ConfigError(f"kubeconfig {shown} is not a kubeconfig (expected a mapping)")
        return _from_document(doc, file, shown, context)

    @classmethod
    def from_flags(
        cls,
        server: str | None,
        kubeconfig: str | None,
        context: str | None,
        namespace: str | None,
        token: str | None,
    ) -> ClientConfig:
        """The config a CLI gets from `--server/--kubeconfig/--context/--namespace/--token`.

        `--server` overrides the kubeconfig's server. With `--server`, a kubeconfig is still
        read for credentials and the namespace if one was named (its errors count) or the
        default one exists (a broken default one is ignored); without `--server`, the
        kubeconfig must exist and be usable.
        """
        if server:
            file, _ = _kubeconfig_path(kubeconfig)
            config = cls(server=server)
            if kubeconfig or context:
                config = replace(cls.from_kubeconfig(kubeconfig, context), server=server)
            elif file.exists():
                try:  # the default file is only a source of credentials here
                    config = replace(cls.from_kubeconfig(), server=server)
                except ConfigError:
                    pass
        else:
            config = cls.from_kubeconfig(kubeconfig, context)
        if namespace:
            config.namespace = namespace
        if token:
            config.token = token
        _check_server(config.server, "--server" if server else "the kubeconfig")
        return config


def _kubeconfig_path(path: str | None) -> tuple[Path, str]:
    """The file to read and how to name it in messages (as the user would type it)."""
    if path:
        chosen = path
    else:
        env = os.environ.get("KUBECONFIG", "")
        first = next((p for p in env.split(os.pathsep) if p), "")
        chosen = first or os.environ.get("MINIK8S_KUBECONFIG", "") or DEFAULT_KUBECONFIG
    return Path(chosen).expanduser(), chosen


def _named(doc: dict[str, Any], section: str, name: str, shown: str) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            body = entry.get(section[:-1])
            return body if isinstance(body, dict) else {}
    raise ConfigError(f'kubeconfig {shown} has no {section[:-1]} named "{name}"')


def _from_document(
    doc: dict[str, Any], file: Path, shown: str, context: str | None
) -> ClientConfig:
    ctx_name = context or doc.get("current-context") or ""
    if not ctx_name:
        raise ConfigError(f"kubeconfig {shown} has no current-context: pass --context")
    ctx = _named(doc, "contexts", ctx_name, shown)
    cluster_name = ctx.get("cluster") or ""
    if not cluster_name:
        raise ConfigError(f'context "{ctx_name}" in {shown} names no cluster')
    cluster = _named(doc, "clusters", cluster_name, shown)
    user = _named(doc, "users", ctx["user"], shown) if ctx.get("user") else {}
    server = cluster.get("server") or ""
    _check_server(server, f'cluster "{cluster_name}" in {shown}')
    base = file.parent

    token = user.get("token") or None
    if not token and user.get("tokenFile"):
        token_path = _resolve(base, user["tokenFile"])
        try:
            token = Path(token_path).read_text().strip() or None
        except OSError as e:
            raise ConfigError(f"cannot read tokenFile {token_path}: {e.strerror or e}") from None

    return ClientConfig(
        server=server,
        namespace=ctx.get("namespace") or "default",
        token=token,
        ca_file=_file_or_data(cluster, "certificate-authority", base, shown),
        cert_file=_file_or_data(user, "client-certificate", base, shown),
        key_file=_file_or_data(user, "client-key", base, shown),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        context=ctx_name,
    )


def _check_server(server: str, where: str) -> None:
    if not server:
        raise ConfigError(f"{where} gives no server address")
    if not server.startswith(("http://", "https://")):
        raise ConfigError(f'{where}: server "{server}" must start with http:// or https://')


def _resolve(base: Path, name: str) -> str:
    p = Path(name).expanduser()
    return str(p if p.is_absolute() else base / p)


def _file_or_data(section: dict[str, Any], field: str, base: Path, shown: str) -> str | None:
    """`field` (a path) or `field-data` (base64, written to a private temporary file)."""
    data = section.get(f"{field}-data")
    if data:
        try:
            raw = base64.b64decode(str(data), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{field}-data in {shown} is not valid base64") from None
        return _temp_file(raw, field)
    name = section.get(field)
    if not name:
        return None
    path = _resolve(base, str(name))
    if not Path(path).exists():
        raise ConfigError(f"{field} {path} named in {shown} does not exist")
    return path


def _temp_file(raw: bytes, field: str) -> str:
    fd, name = tempfile.mkstemp(prefix=f"minik8s-{field}-", suffix=".pem")
    try:
        os.write(fd, raw)
    finally:
        os.close(fd)
    if not _temp_files:
        atexit.register(_remove_temp_files)
    _temp_files.append(name)
    return name


def _remove_temp_files() -> None:
    while _temp_files:
        try:
            os.unlink(_temp_files.pop())
        except OSError:
            pass
