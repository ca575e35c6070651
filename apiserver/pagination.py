"""Continue tokens for paginated lists.

A token records the etcd revision of the first page and the last key returned, so every page
of one list reads the same snapshot. Once etcd compacts that revision the token is too old
and the list answers 410 Gone, as Kubernetes does.
"""

from __future__ import annotations

import base64
import json

from minik8s.api import errors


def encode_continue(last_key: bytes, revision: int) -> str:
    raw = json.dumps({"v": 1, "rv": revision, "start": base64.b64encode(last_key).decode()})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_continue(token: str) -> tuple[bytes, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return base64.b64decode(data["start"]), int(data["rv"])
    except (ValueError, KeyError, TypeError):
        raise errors.BadRequest(f"invalid continue token: {token[:40]}") from None
