"""Server-side Table output: what `kubectl get` prints.

`kubectl get` does not format objects itself. It asks the API server for a
`meta.k8s.io/v1` Table with the header (one line, split here)

    Accept: application/json;as=Table;v=v1;g=meta.k8s.io,
            application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json

and prints the columns it receives: it upper-cases the column names, hides the columns of
`priority` 1 unless `-o wide` is given, and takes NAMESPACE (`-A`) and LABELS
(`--show-labels`) from each row's `object`. Like kube-apiserver, a row always carries
every column, wide ones included.

The columns and cells of a kind are its declaration's `printer` (`minik8s.api.kinds`); a
kind without one prints Name and Created At, as kube-apiserver's default table does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from minik8s.api import errors
from minik8s.api.kind import Printer, ResourceInfo
from minik8s.api.printing import DEFAULT_PRINTER, human_duration

__all__ = ["column_definitions", "table_row", "to_table", "human_duration"]

Obj = dict[str, Any]

TABLE_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")


def _printer(info: ResourceInfo) -> Printer:
    return info.printer or DEFAULT_PRINTER


def has_printer(info: ResourceInfo) -> bool:
    """True when the kind has its own columns (otherwise: Name and Created At)."""
    return info.printer is not None


# --------------------------------------------------------------------------- public API


def column_definitions(info: ResourceInfo) -> list[dict[str, Any]]:
    """The `columnDefinitions` of a Table of this kind; priority 1 = only with `-o wide`."""
    return [column.definition() for column in _printer(info).columns]


def table_row(info: ResourceInfo, obj: dict[str, Any], now: datetime) -> list[Any]:
    """The cells of one object, one per column of `column_definitions(info)`.

    Never raises on a partial or malformed object: a cell it cannot compute is empty.
    """
    if not isinstance(obj, dict):
        obj = {}
    return _printer(info).row(obj, now)


def _row_object(info: ResourceInfo, obj: Obj, include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Metadata":
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": TABLE_API_VERSION,
            "metadata": meta if isinstance(meta := obj.get("metadata"), dict) else {},
        }
    # kubectl decodes the embedded object as Unstructured, which needs kind and apiVersion.
    full = dict(obj)
    full.setdefault("kind", info.kind)
    full.setdefault("apiVersion", info.api_version)
    return full


def _table_row_entry(info: ResourceInfo, obj: Obj, now: datetime, include: str) -> Obj:
    row: Obj = {"cells": table_row(info, obj, now)}
    conditions = _printer(info).conditions
    if conditions is not None:
        found = conditions(obj)
        if found:
            row["conditions"] = found
    embedded = _row_object(info, obj, include)
    if embedded is not None:
        row["object"] = embedded
    return row


def _check_include_object(include_object: str) -> str:
    value = include_object or "Metadata"
    if value not in INCLUDE_OBJECT_VALUES:
        raise errors.BadRequest(f"unrecognized includeObject value: {include_object!r}")
    return value


def to_table(
    info: ResourceInfo,
    objs: Iterable[dict[str, Any]],
    *,
    include_object: str = "Metadata",
    list_metadata: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A `meta.k8s.io/v1` Table of `objs` (one object for a GET, the items of a LIST).

    `include_object` is the `includeObject` query parameter: `None` (no object), `Metadata`
    (the default: a PartialObjectMetadata, enough for `-A` and `--show-labels`) or `Object`
    (the whole object; kubectl asks for it with `--sort-by`). Anything else is a 400.
    `list_metadata` becomes the Table's ListMeta (`resourceVersion`, `continue`,
    `remainingItemCount`).
    """
    include = _check_include_object(include_object)
    moment = now if now is not None else datetime.now(UTC)
    rows = [
        _table_row_entry(info, obj if isinstance(obj, dict) else {}, moment, include)
        for obj in objs
    ]
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": dict(list_metadata or {}),
        "columnDefinitions": column_definitions(info),
        "rows": rows,
    }
