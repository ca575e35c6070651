"""Bootstrap tokens and signed discovery, as kubeadm defines them (our own code).

A bootstrap token `abcdef.0123456789abcdef` is a public id (6 chars) and a secret (16 chars)
stored as the Secret `kube-system/bootstrap-token-<id>` of type
`bootstrap.kubernetes.io/token`. The ConfigMap `kube-public/cluster-info` (readable without
credentials) holds a kubeconfig naming the API server; for every unexpired token allowed to
sign, the bootstrap signer adds `jws-kubeconfig-<id>`: a detached JWS (RFC 7515, HS256,
header `{"alg":"HS256","kid":"<id>"}`) over that kubeconfig, keyed by the token's secret.
A joining machine that knows the token recomputes the signature: a match proves the
cluster-info came from a control plane that knows the secret.

Everything here is pure (time is passed in); no I/O, no concurrency concerns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from minik8s.api.times import parse_rfc3339, rfc3339

__all__ = [
    "CLUSTER_INFO",
    "CLUSTER_INFO_NAMESPACE",
    "JWS_PREFIX",
    "KUBECONFIG_KEY",
    "SECRET_PREFIX",
    "SECRET_TYPE",
    "TOKEN_NAMESPACE",
    "BootstrapToken",
    "TokenError",
    "TokenInfo",
    "cluster_info_kubeconfig",
    "format_time",
    "parse_time",
    "server_of",
    "sign",
    "signed_data",
    "token_secret",
    "verify",
]

TOKEN_NAMESPACE = "kube-system"
SECRET_PREFIX = "bootstrap-token-"
SECRET_TYPE = "bootstrap.kubernetes.io/token"
CLUSTER_INFO_NAMESPACE = "kube-public"
CLUSTER_INFO = "cluster-info"
KUBECONFIG_KEY = "kubeconfig"
JWS_PREFIX = "jws-kubeconfig-"
USAGES = ("authentication", "signing")

_TOKEN = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
_TOKEN_ID = re.compile(r"^[a-z0-9]{6}$")
_ALPHABET = string.ascii_lowercase + string.digits


class TokenError(ValueError):
    """A token, Secret or signature that is not what it must be; the message says why."""


@dataclass(frozen=True)
class BootstrapToken:
    id: str
    secret: str

    def __str__(self) -> str:
        return f"{self.id}.{self.secret}"

    @classmethod
    def parse(cls, text: str) -> BootstrapToken:
        match = _TOKEN.match(text.strip())
        if match is None:
            raise TokenError(
                f'"{text}" is not a bootstrap token: expected the form '
                "[a-z0-9]{6}.[a-z0-9]{16}, e.g. abcdef.0123456789abcdef"
            )
        return cls(match.group(1), match.group(2))

    @classmethod
    def generate(cls) -> BootstrapToken:
        """A fresh token from the operating system's random source."""

        def pick(n: int) -> str:
            return "".join(secrets.choice(_ALPHABET) for _ in range(n))

        return cls(pick(6), pick(16))


def is_token_id(text: str) -> bool:
    return bool(_TOKEN_ID.match(text))


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC, seconds precision (`2026-11-24T01:30:00Z`)."""
    return rfc3339(when)


def parse_time(text: str) -> datetime:
    parsed = parse_rfc3339(text.strip())
    if parsed is None:
        raise TokenError(f'"{text}" is not an RFC 3339 time')
    return parsed


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def token_secret(
    token: BootstrapToken,
    *,
    expiration: datetime | None,
    description: str = "",
    usages: Iterable[str] = USAGES,
) -> dict[str, Any]:
    """The Secret that stores `token` (data base64-encoded, as the API returns it)."""
    data = {"token-id": token.id, "token-secret": token.secret}
    if expiration is not None:
        data["expiration"] = format_time(expiration)
    if description:
        data["description"] = description
    for usage in usages:
        if usage not in USAGES:
            raise TokenError(f'unknown token usage "{usage}"; known: {", ".join(USAGES)}')
        data[f"usage-bootstrap-{usage}"] = "true"
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SECRET_PREFIX + token.id, "namespace": TOKEN_NAMESPACE},
        "type": SECRET_TYPE,
        "data": {k: _b64(v) for k, v in data.items()},
    }


@dataclass(frozen=True)
class TokenInfo:
    """What a bootstrap token Secret says, decoded."""

    token: BootstrapToken
    expiration: datetime | None = None
    description: str = ""
    usages: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_secret(cls, secret: dict[str, Any]) -> TokenInfo:
        """Raises `TokenError` for a Secret that is not a well-formed bootstrap token."""
        name = str((secret.get("metadata") or {}).get("name") or "")
        if secret.get("type") != SECRET_TYPE:
            raise TokenError(f"secret {name} is not of type {SECRET_TYPE}")
        raw = secret.get("data") or {}
        data: dict[str, str] = {}
        for key, value in raw.items():
            try:
                data[key] = base64.b64decode(str(value), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                raise TokenError(f"secret {name}: data.{key} is not base64 text") from None
        token_id = data.get("token-id", "")
        if name != SECRET_PREFIX + token_id:
            raise TokenError(f"secret {name}: token-id {token_id!r} does not match the name")
        token = BootstrapToken.parse(f"{token_id}.{data.get('token-secret', '')}")
        expiration = parse_time(data["expiration"]) if data.get("expiration") else None
        usages = tuple(u for u in USAGES if data.get(f"usage-bootstrap-{u}") == "true")
        return cls(token, expiration, data.get("description", ""), usages)

    def expired(self, now: datetime) -> bool:
        return self.expiration is not None and self.expiration <= now

    def can_sign(self, now: datetime) -> bool:
        return "signing" in self.usages and not self.expired(now)


# ---- the detached JWS


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, header: str, content: str) -> str:
    signing_input = f"{header}.{_b64url(content.encode())}".encode()
    return _b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())


def sign(content: str, token: BootstrapToken) -> str:
    """The detached compact JWS `header..signature` of `content` (the payload left out)."""
    header = _b64url(json.dumps({"alg": "HS256", "kid": token.id}, separators=(",", ":")).encode())
    return f"{header}..{_mac(token.secret, header, content)}"


def verify(content: str, detached: str, token: BootstrapToken) -> bool:
    """Whether `detached` is `content` signed with `token` (HS256, kid = the token id)."""
    parts = detached.split(".")
    if len(parts) != 3 or parts[1] != "":
        return False
    header_b64, _, signature = parts
    try:
        header = json.loads(_unb64url(header_b64))
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return False
    if header.get("kid") != token.id:
        return False
    return hmac.compare_digest(_mac(token.secret, header_b64, content), signature)


# ---- cluster-info


def cluster_info_kubeconfig(server: str) -> str:
    """The kubeconfig cluster-info carries: one unnamed cluster with the server address."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "", "cluster": {"server": server}}],
        "contexts": [],
        "current-context": "",
        "preferences": {},
        "users": [],
    }
    return yaml.safe_dump(doc, sort_keys=False)


def server_of(kubeconfig: str) -> str:
    """The server of the first cluster of a kubeconfig text; `TokenError` when none."""
    try:
        doc = yaml.safe_load(kubeconfig)
    except yaml.YAMLError:
        raise TokenError("cluster-info's kubeconfig is not valid YAML") from None
    clusters = doc.get("clusters") if isinstance(doc, dict) else None
    for entry in clusters or []:
        cluster = entry.get("cluster") if isinstance(entry, dict) else None
        server = cluster.get("server") if isinstance(cluster, dict) else None
        if isinstance(server, str) and server.startswith(("http://", "https://")):
            return server.rstrip("/")
    raise TokenError("cluster-info's kubeconfig names no server (http:// or https://)")


def signed_data(
    data: dict[str, str], tokens: Iterable[TokenInfo], now: datetime
) -> tuple[dict[str, str], datetime | None]:
    """cluster-info's `data` with exactly one signature per token that can sign now, and
    the earliest expiration among those tokens (when the signatures must change next).

    Keys other than `jws-kubeconfig-*` are kept; a signature already valid is kept as is.
    """
    content = data.get(KUBECONFIG_KEY)
    result = {k: v for k, v in data.items() if not k.startswith(JWS_PREFIX)}
    next_change: datetime | None = None
    if content is None:
        return result, None
    for info in tokens:
        if not info.can_sign(now):
            continue
        key = JWS_PREFIX + info.token.id
        old = data.get(key)
        result[key] = old if old and verify(content, old, info.token) else sign(content, info.token)
        if info.expiration is not None and (next_change is None or info.expiration < next_change):
            next_change = info.expiration
    return result, next_change
