"""What ConfigMap and Secret share: key/value data blocks and their immutability.

Both kinds carry maps whose keys must be valid file names (`config_key_errors`: they
become files in a volume) and whose values, text or base64, may total at most `DATA_MAX`
bytes once decoded. A base64 value that does not decode is reported without echoing it:
it may be a secret. Once an object was stored with `immutable: true`, neither that flag
nor its data may change again.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from minik8s.api.errors import forbidden, invalid
from minik8s.api.kind import Errs, Obj
from minik8s.api.names import config_key_errors
from minik8s.api.validation import check

IMMUTABLE_DATA = "field is immutable when `immutable` is set"


def decoded_size(value: Any, path: str, errs: Errs) -> int:
    """Size of a base64 value after decoding; reports (without echoing it) an invalid one."""
    if isinstance(value, str):
        try:
            return len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            pass
    errs.append(invalid(path, "<value omitted>", "must be a base64 encoded string"))
    return 0


def check_data_keys(block: Obj, path: str, errs: Errs) -> None:
    """Every key of `block` must be a valid file name (`data[key]` names the error)."""
    for key in block:
        check(errs, f"{path}[{key}]", key, config_key_errors(key))


def text_size(block: Obj, path: str, errs: Errs) -> int:
    """Bytes of the UTF-8 text values of `block`; a value that is not a string is an error."""
    size = 0
    for key, value in block.items():
        if isinstance(value, str):
            size += len(value.encode())
        else:
            errs.append(invalid(f"{path}[{key}]", value, "must be a string"))
    return size


def validate_immutable_data(new: Obj, old: Obj, errs: Errs, keys: tuple[str, ...]) -> None:
    """An object stored as immutable keeps `immutable: true` and the data under `keys`."""
    if old.get("immutable") is not True:
        return
    if new.get("immutable") is not True:
        errs.append(forbidden("immutable", IMMUTABLE_DATA))
    for key in keys:
        if new.get(key) != old.get(key):
            errs.append(forbidden(key, IMMUTABLE_DATA))
