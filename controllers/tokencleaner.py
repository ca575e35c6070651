"""The token cleaner: deletes bootstrap-token Secrets once they expire.

As kube-controller-manager's `tokencleaner`: a `kube-system` Secret of type
`bootstrap.kubernetes.io/token` whose `expiration` has passed is deleted (with a uid
precondition, so a Secret re-created under the same name is never the one removed). A
token not yet expired is looked at again just after its expiry. The bootstrap signer
drops an expired token's signature by itself; this only tidies the Secrets away.

One key per Secret; handlers skip every other Secret type. Informer: kube-system Secrets.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from minik8s.api import errors
from minik8s.bootstrap.token import SECRET_TYPE, TOKEN_NAMESPACE, TokenError, TokenInfo

from .base import Controller, ControllerContext, Obj, res

log = logging.getLogger(__name__)

SECRETS = res("secrets")


def seconds_left(secret: Obj, now: datetime) -> float | None:
    """Seconds until `secret` expires (<= 0: expired), None for no expiry or not a token."""
    if secret.get("type") != SECRET_TYPE:
        return None
    try:
        info = TokenInfo.from_secret(secret)
    except TokenError:
        return None  # malformed: not ours to judge (the signer ignores it too)
    if info.expiration is None:
        return None
    return (info.expiration - now).total_seconds()


class TokenCleaner(Controller):
    name = "tokencleaner"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.secrets = ctx.informer("secrets", TOKEN_NAMESPACE)
        self.secrets.add_handler(self._on_secret, lambda old, new: self._on_secret(new))

    def _on_secret(self, obj: Obj) -> None:
        if obj.get("type") == SECRET_TYPE:
            self.enqueue(obj)

    async def sync(self, key: str) -> float | None:
        secret = self.secrets.store.get(key)
        if secret is None:
            return None
        left = seconds_left(secret, datetime.fromtimestamp(self.ctx.clock(), UTC))
        if left is None:
            return None
        if left > 0:
            return left + 0.5
        meta = secret.get("metadata") or {}
        try:
            await self.client.delete(
                SECRETS,
                meta.get("name", ""),
                TOKEN_NAMESPACE,
                preconditions={"uid": meta.get("uid")},
            )
        except (errors.NotFound, errors.Conflict):
            return None
        log.info("deleted expired bootstrap token secret %s", key)
        return None
