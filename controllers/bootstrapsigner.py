"""The bootstrap signer: signs `kube-public/cluster-info` with every bootstrap token.

A joining machine (`mkctl join --token T`) trusts the server address in cluster-info only
if it carries `jws-kubeconfig-<token id>`, a detached JWS over the kubeconfig keyed by the
token's secret (see `minik8s.bootstrap.token`). This controller keeps exactly one valid
signature per unexpired token whose Secret allows signing, and removes the signature of a
token that was deleted or expired, as kube-controller-manager's `bootstrapsigner` does.

There is one key, cluster-info itself: a change of the ConfigMap or of any bootstrap-token
Secret enqueues it. The sync reads both caches, computes the wanted `data` with the pure
`signed_data`, and writes only on a difference (an update carrying the cached
resourceVersion, so a concurrent edit makes the sync retry). It then asks to be looked at
again when the earliest token expires, so a signature is gone within a second of expiry.
Informers cover only kube-public ConfigMaps and kube-system Secrets.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from minik8s.api import errors
from minik8s.bootstrap.token import (
    CLUSTER_INFO,
    CLUSTER_INFO_NAMESPACE,
    SECRET_TYPE,
    TOKEN_NAMESPACE,
    TokenError,
    TokenInfo,
    signed_data,
)
from minik8s.client import copy_of

from .base import Controller, ControllerContext, Obj, res

log = logging.getLogger(__name__)

CONFIGMAPS = res("configmaps")
KEY = f"{CLUSTER_INFO_NAMESPACE}/{CLUSTER_INFO}"


def _is_cluster_info(obj: Obj) -> bool:
    return (obj.get("metadata") or {}).get("name") == CLUSTER_INFO


def _is_token(obj: Obj) -> bool:
    return obj.get("type") == SECRET_TYPE


def valid_tokens(secrets: list[Obj]) -> list[TokenInfo]:
    """The well-formed bootstrap tokens among `secrets` (malformed ones are logged)."""
    found: list[TokenInfo] = []
    for secret in secrets:
        if not _is_token(secret):
            continue
        try:
            found.append(TokenInfo.from_secret(secret))
        except TokenError as e:
            log.warning("ignoring a malformed bootstrap token: %s", e)
    return found


class BootstrapSigner(Controller):
    name = "bootstrapsigner"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.configmaps = ctx.informer("configmaps", CLUSTER_INFO_NAMESPACE)
        self.secrets = ctx.informer("secrets", TOKEN_NAMESPACE)
        self.configmaps.add_handler(self._on_cm, lambda old, new: self._on_cm(new), self._on_cm)
        self.secrets.add_handler(
            self._on_secret, lambda old, new: self._on_secret(new), self._on_secret
        )

    def _on_cm(self, obj: Obj) -> None:
        if _is_cluster_info(obj):
            self.queue.add(KEY)

    def _on_secret(self, obj: Obj) -> None:
        if _is_token(obj):
            self.queue.add(KEY)

    async def sync(self, key: str) -> float | None:
        cm = self.configmaps.store.get(KEY)
        if cm is None:
            return None
        now = datetime.fromtimestamp(self.ctx.clock(), UTC)
        data = dict(cm.get("data") or {})
        wanted, next_change = signed_data(data, valid_tokens(self.secrets.store.list()), now)
        if wanted != data:
            updated = copy_of(cm)
            updated["data"] = wanted
            try:
                await self.client.update(CONFIGMAPS, updated, CLUSTER_INFO_NAMESPACE)
            except errors.NotFound:
                return None
            signed = sorted(k for k in wanted if k not in data)
            dropped = sorted(k for k in data if k not in wanted)
            log.info("cluster-info signatures: added %s, removed %s", signed, dropped)
        if next_change is None:
            return None
        # look again just after the earliest expiry, to drop that token's signature
        return max(0.0, (next_change - now).total_seconds()) + 0.5
