"""Secret (core/v1): its declaration."""

from __future__ import annotations

import base64
from typing import Any

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    STRING_MAP,
    Field,
    KindSchema,
)


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


class SecretStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        defaults._default_secret(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_secret(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_secret_update(new, old, errs)

    def prepare_for_create(self, obj: Obj) -> None:
        merge_string_data(obj)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        merge_string_data(new)


SECRET = ResourceInfo(
    "",
    "v1",
    "Secret",
    "secrets",
    "secret",
    True,
    schema=KindSchema(
        (
            "Secret holds secret data of a certain type. The total bytes of the values in the Data "
            "field must be less than MaxSecretSize bytes."
        ),
        {
            "data": Field(
                STRING_MAP,
                "Data contains the secret data, base64-encoded.",
            ),
            "stringData": Field(
                STRING_MAP,
                (
                    "stringData allows specifying non-binary secret data in string form. It is a "
                    "write-only input field: its values are merged into data on write."
                ),
            ),
            "type": Field(
                "string",
                "Used to facilitate programmatic handling of secret data.",
            ),
            "immutable": Field(
                "boolean",
                (
                    "Immutable, if set to true, ensures that data stored in the Secret cannot be "
                    "updated."
                ),
            ),
        },
        {},
    ),
    printer=Printer(tuple(printing._SECRET_COLUMNS), printing._secret_row),
    selectable={
        "type": ("type", ""),
    },
    strategy=SecretStrategy(),
)
