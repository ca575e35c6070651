"""ConfigMap (core/v1): its declaration."""

from __future__ import annotations

from minik8s.api import printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    STRING_MAP,
    Field,
    KindSchema,
)


class ConfigMapStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_configmap(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_configmap_update(new, old, errs)


CONFIG_MAP = ResourceInfo(
    "",
    "v1",
    "ConfigMap",
    "configmaps",
    "configmap",
    True,
    ("cm",),
    schema=KindSchema(
        "ConfigMap holds configuration data for pods to consume.",
        {
            "data": Field(
                STRING_MAP,
                "Data contains the configuration data.",
            ),
            "binaryData": Field(
                STRING_MAP,
                "BinaryData contains the binary data, base64-encoded.",
            ),
            "immutable": Field(
                "boolean",
                (
                    "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be"
                    " updated."
                ),
            ),
        },
        {},
    ),
    printer=Printer(tuple(printing._CONFIGMAP_COLUMNS), printing._configmap_row),
    strategy=ConfigMapStrategy(),
)
