"""ConfigMap (core/v1): non-secret configuration for pods, as text and binary entries.

`data` holds UTF-8 text and `binaryData` base64-encoded bytes; a key may appear in only
one of them, every key must be a valid file name (pods mount the entries as files), and
both together may hold at most 1 MiB once decoded. A ConfigMap stored with
`immutable: true` can no longer change its data or drop the flag; it can only be
deleted. `kubectl get` counts the entries of both maps.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.errors import invalid, too_long
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import AGE, NAME, age, as_dict, column, name_of
from minik8s.api.schema import STRING_MAP, Field, KindSchema, MapOf
from minik8s.api.validation import DATA_MAX, as_object, bool_field

from .configdata import check_data_keys, decoded_size, text_size, validate_immutable_data


def _validate(obj: Obj, errs: Errs) -> None:
    data = as_object(obj.get("data"), "data", errs)
    binary = as_object(obj.get("binaryData"), "binaryData", errs)
    check_data_keys(data, "data", errs)
    check_data_keys(binary, "binaryData", errs)
    for key in data:
        if key in binary:
            errs.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
    size = text_size(data, "data", errs)
    size += sum(decoded_size(v, f"binaryData[{k}]", errs) for k, v in binary.items())
    if size > DATA_MAX:
        errs.append(too_long("data", "", DATA_MAX))
    bool_field(obj, "immutable", "", errs)


class ConfigMapStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validate_immutable_data(new, old, errs, ("data", "binaryData"))


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    count = len(as_dict(obj.get("data"))) + len(as_dict(obj.get("binaryData")))
    return [name_of(obj), count, age(obj, now)]


_COLUMNS = (NAME, column("Data", "Number of data entries.", type_="integer"), AGE)


# --------------------------------------------------------------------------- declaration

CONFIG_MAP = ResourceInfo(
    "",
    "v1",
    "ConfigMap",
    "configmaps",
    "configmap",
    True,
    ("cm",),
    schema=KindSchema(
        "ConfigMap holds configuration data, as text or binary entries, for pods to consume "
        "as environment variables, command-line arguments or files in a volume.",
        {
            "immutable": Field(
                "boolean",
                "When true, data and binaryData can no longer be changed and the flag cannot "
                "be unset; the ConfigMap can only be deleted and recreated. Defaults to false.",
                proto=4,
                keep_zero=True,
            ),
            "data": Field(
                STRING_MAP,
                "Text entries: each key (letters, digits, '-', '_' or '.') maps to a UTF-8 "
                "value. A key may not also appear in binaryData.",
                proto=2,
            ),
            "binaryData": Field(
                MapOf("bytes"),
                "Binary entries: each key maps to base64-encoded bytes, for values that are "
                "not valid UTF-8. A key may not also appear in data.",
                proto=3,
            ),
        },
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=ConfigMapStrategy(),
)
