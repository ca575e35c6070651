"""Secret (core/v1): sensitive data (passwords, tokens, keys) for pods, base64-encoded.

`stringData` is a write-only convenience: on create and update its values are encoded
into `data` (winning over a `data` entry of the same key) and the field is dropped, so
it is never stored or read back. Keys must be valid file names and the decoded values
may total at most 1 MiB. `type` (default `Opaque`) cannot change after creation, and
the well-known types demand their keys: `kubernetes.io/tls` needs `tls.crt` and
`tls.key`, `kubernetes.io/basic-auth` a `username` or `password`, a
`kubernetes.io/service-account-token` the annotation naming its service account. As for
ConfigMaps, `immutable: true` freezes the data for good.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from minik8s.api.defaults import set_default
from minik8s.api.errors import required, too_long
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import AGE, NAME, age, as_dict, column, name_of, text
from minik8s.api.schema import STRING_MAP, Field, KindSchema, MapOf
from minik8s.api.validation import DATA_MAX, as_object, bool_field, immutable, str_field

from .configdata import check_data_keys, decoded_size, text_size, validate_immutable_data


def merge_string_data(secret: dict[str, Any]) -> None:
    """`stringData` is write-only: its values land base64-encoded in `data`."""
    string_data = secret.pop("stringData", None)
    if not isinstance(string_data, dict):
        return
    data = secret.get("data")
    if not isinstance(data, dict):
        data = secret["data"] = {}
    for key, value in string_data.items():
        data[key] = base64.b64encode(str(value).encode()).decode()


# --------------------------------------------------------------------------- validation

# The keys each well-known type must carry.
_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}
_SERVICE_ACCOUNT_ANNOTATION = "kubernetes.io/service-account.name"


def _validate_type(obj: Obj, keys: set[str], errs: Errs) -> None:
    secret_type = str_field(obj, "type", "", errs)
    for key in _REQUIRED_KEYS.get(secret_type or "", ()):
        if key not in keys:
            errs.append(required(f"data[{key}]"))
    if secret_type == "kubernetes.io/basic-auth" and not keys & {"username", "password"}:
        errs.append(required("data[username]"))
    if secret_type == "kubernetes.io/service-account-token":
        meta = obj.get("metadata")
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        if not isinstance(annotations, dict) or not annotations.get(_SERVICE_ACCOUNT_ANNOTATION):
            errs.append(required(f"metadata.annotations[{_SERVICE_ACCOUNT_ANNOTATION}]"))


def _validate(obj: Obj, errs: Errs) -> None:
    data = as_object(obj.get("data"), "data", errs)
    string_data = as_object(obj.get("stringData"), "stringData", errs)
    check_data_keys(data, "data", errs)
    check_data_keys(string_data, "stringData", errs)
    size = sum(decoded_size(v, f"data[{k}]", errs) for k, v in data.items())
    size += text_size(string_data, "stringData", errs)
    if size > DATA_MAX:
        errs.append(too_long("data", "", DATA_MAX))
    _validate_type(obj, set(data) | set(string_data), errs)
    bool_field(obj, "immutable", "", errs)


def _validate_update(new: Obj, old: Obj, errs: Errs) -> None:
    validate_immutable_data(new, old, errs, ("data",))
    immutable(new.get("type"), old.get("type"), "type", errs)


class SecretStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        set_default(obj, "type", "Opaque")

    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        _validate_update(new, old, errs)

    def prepare_for_create(self, obj: Obj) -> None:
        merge_string_data(obj)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        merge_string_data(new)


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    secret_type = text(obj.get("type")) or "Opaque"
    return [name_of(obj), secret_type, len(as_dict(obj.get("data"))), age(obj, now)]


_COLUMNS = (
    NAME,
    column("Type", "Used to facilitate programmatic handling of secret data."),
    column("Data", "Number of data entries.", type_="integer"),
    AGE,
)


# --------------------------------------------------------------------------- declaration

SECRET = ResourceInfo(
    "",
    "v1",
    "Secret",
    "secrets",
    "secret",
    True,
    schema=KindSchema(
        "Secret holds a small amount of sensitive data, such as a password, a token or a "
        "key, for pods to consume; the values of data may total at most 1 MiB.",
        {
            "immutable": Field(
                "boolean",
                "When true, data can no longer be changed and the flag cannot be unset; the "
                "Secret can only be deleted and recreated. Defaults to false.",
                proto=5,
                keep_zero=True,
            ),
            "data": Field(
                MapOf("bytes"),
                "The secret entries: each key (letters, digits, '-', '_' or '.') maps to its "
                "value encoded in base64.",
                proto=2,
            ),
            "stringData": Field(
                STRING_MAP,
                "Write-only entries given as plain text: on write each value is base64-encoded "
                "into data under the same key (overriding it there) and stringData itself is "
                "never stored or returned.",
                proto=4,
            ),
            "type": Field(
                "string",
                "How the data is meant to be used, which decides the keys it must hold: "
                "Opaque (the default, any keys), kubernetes.io/tls, kubernetes.io/basic-auth, "
                "kubernetes.io/ssh-auth, kubernetes.io/dockerconfigjson, "
                "kubernetes.io/service-account-token, ... Cannot be changed after creation.",
                proto=3,
            ),
        },
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={
        "type": ("type", ""),
    },
    strategy=SecretStrategy(),
)
