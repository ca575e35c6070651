"""How mkctl prints: server-side Tables, YAML/JSON/name output, and ages.

`kubectl get` does not format objects itself: it prints the `meta.k8s.io/v1` Table the API
server renders, with the column names upper-cased, the cells separated by at least three
spaces (Go's `text/tabwriter` with minimum width 6 and padding 3), a NAMESPACE column in
front for `-A` and a LABELS column at the end for `--show-labels`, both taken from each
row's `object.metadata`. `tabwrite` reproduces Go's tabwriter (elastic tabstops: a column's
width is decided per block of consecutive lines that have a cell in that column), which
`describe` uses as well with kubectl's settings for it (padding 2).

`-o yaml` prints keys sorted, block style, lists flush with their key and multi-line strings
as `|` blocks, as kubectl's YAML printer does; `-o json` indents by four spaces. Several
objects become one `v1 List`. Everything here is pure: text in, text out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml

from minik8s.api import resources
from minik8s.api.times import human_duration
from minik8s.api.times import parse_rfc3339 as parse_time

__all__ = [
    "TableOptions",
    "as_list",
    "format_time",
    "human_duration",
    "object_name",
    "parse_time",
    "render_table",
    "tabwrite",
    "to_json",
    "to_yaml",
]

TABLE_MIN_WIDTH = 6
TABLE_PADDING = 3

# --------------------------------------------------------------------------- tabwriter


def tabwrite(
    lines: Sequence[Sequence[str]],
    *,
    minwidth: int = TABLE_MIN_WIDTH,
    padding: int = TABLE_PADDING,
    remembered: list[int] | None = None,
) -> list[str]:
    """Align cells like Go's `text/tabwriter` (left-aligned, space padding).

    Each line is its cells; every cell but the last is "tab-terminated" and takes part in
    alignment, the last one is printed as is. `remembered` (kubectl's `RememberWidths`)
    keeps the widest width seen per column across calls, so rows printed one at a time by
    `get --watch` line up with the header printed before them.
    """
    out: list[str] = []
    _format_block(lines, [], 0, len(lines), out, minwidth, padding, remembered)
    return out


def _format_block(
    lines: Sequence[Sequence[str]],
    widths: list[int],
    line0: int,
    line1: int,
    out: list[str],
    minwidth: int,
    padding: int,
    remembered: list[int] | None,
) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        # A block of consecutive lines with a cell in `column` starts here.
        _write_lines(lines, widths, line0, this, out)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        if remembered is not None:
            if column < len(remembered):
                width = max(width, remembered[column])
                remembered[column] = width
            else:
                remembered.append(width)
        widths.append(width)
        _format_block(lines, widths, line0, this, out, minwidth, padding, remembered)
        widths.pop()
        line0 = this
    _write_lines(lines, widths, line0, line1, out)


def _write_lines(
    lines: Sequence[Sequence[str]], widths: list[int], line0: int, line1: int, out: list[str]
) -> None:
    for cells in lines[line0:line1]:
        parts = []
        for j, cell in enumerate(cells):
            parts.append(cell.ljust(widths[j]) if j < len(widths) else cell)
        out.append("".join(parts))


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableOptions:
    """What `get` adds to or removes from the server's table."""

    with_namespace: bool = False  # -A: a NAMESPACE column first
    show_labels: bool = False  # --show-labels: a LABELS column last
    no_headers: bool = False
    name_prefix: str = ""  # "deployment.apps/" when several types are printed


def cell_text(value: Any) -> str:
    """A cell as kubectl prints it (`fmt.Sprint` of the JSON value)."""
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    text = str(value)
    # A cell is one line: kubectl cuts a multi-line value at its first line break.
    return text.split("\n", 1)[0]


def format_labels(labels: Any) -> str:
    """`a=b,c=d` sorted by key, `<none>` when there are none."""
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def table_header(table: dict[str, Any], options: TableOptions) -> list[str]:
    header = [str(c.get("name", "")).upper() for c in table.get("columnDefinitions") or []]
    if options.with_namespace:
        header.insert(0, "NAMESPACE")
    if options.show_labels:
        header.append("LABELS")
    return header


def table_rows(table: dict[str, Any], options: TableOptions) -> list[list[str]]:
    """The rows of a server Table as the cells kubectl prints (no header)."""
    columns = table.get("columnDefinitions") or []
    name_index = next(
        (i for i, c in enumerate(columns) if c.get("format") == "name"),
        0 if columns else -1,
    )
    rows: list[list[str]] = []
    for row in table.get("rows") or []:
        cells = [cell_text(c) for c in row.get("cells") or []]
        if options.name_prefix and 0 <= name_index < len(cells):
            cells[name_index] = options.name_prefix + cells[name_index]
        meta = (row.get("object") or {}).get("metadata") or {}
        if options.with_namespace:
            cells.insert(0, str(meta.get("namespace") or ""))
        if options.show_labels:
            cells.append(format_labels(meta.get("labels")))
        rows.append(cells)
    return rows


def render_table(
    table: dict[str, Any], options: TableOptions, remembered: list[int] | None = None
) -> list[str]:
    """A server Table as kubectl prints it: header (unless `no_headers`) then rows."""
    lines = table_rows(table, options)
    if not options.no_headers:
        lines.insert(0, table_header(table, options))
    return tabwrite(lines, remembered=remembered)


# --------------------------------------------------------------------------- objects


def object_name(obj: dict[str, Any]) -> str:
    """`deployment.apps/web`, `service/web`: what `-o name` and apply/delete print."""
    return f"{kind_prefix(obj)}/{(obj.get('metadata') or {}).get('name', '')}"


def kind_prefix(obj: dict[str, Any]) -> str:
    kind = str(obj.get("kind") or "")
    info = resources.lookup_kind(str(obj.get("apiVersion") or ""), kind)
    if info is not None:
        return resource_prefix(info)
    return kind.lower()


def resource_prefix(info: resources.ResourceInfo) -> str:
    """`deployment.apps`, `service`: a kind as kubectl names it before `/name`."""
    kind = info.kind.lower()
    return f"{kind}.{info.group}" if info.group else kind


def with_type(obj: dict[str, Any], info: resources.ResourceInfo) -> dict[str, Any]:
    """Items of a list lack `apiVersion`/`kind` on some servers; kubectl fills them in."""
    if obj.get("apiVersion") and obj.get("kind"):
        return obj
    return {"apiVersion": info.api_version, "kind": info.kind, **obj}


def as_list(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several objects as the `v1 List` kubectl prints for `-o yaml|json`."""
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


def hide_managed_fields(obj: Any) -> Any:
    """`obj` (or a list's items) without `metadata.managedFields`, as kubectl prints objects
    unless `--show-managed-fields` is given; the input is not changed."""
    if not isinstance(obj, dict):
        return obj
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    items = obj.get("items")
    if isinstance(items, list):
        obj = {**obj, "items": [hide_managed_fields(item) for item in items]}
    return obj


def to_json(obj: Any, *, show_managed_fields: bool = False) -> str:
    shown = obj if show_managed_fields else hide_managed_fields(obj)
    return json.dumps(shown, indent=4, sort_keys=True, ensure_ascii=False)


class _Dumper(yaml.SafeDumper):
    """Go's YAML quotes with double quotes where PyYAML would pick single ones."""

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        return '"' if style == "'" else style


# YAML 1.1 booleans PyYAML does not resolve but Go's YAML does, so Go quotes them.
_GO_BOOLS = frozenset({"y", "Y", "n", "N"})


def _represent_str(dumper: yaml.representer.SafeRepresenter, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if data in _GO_BOOLS:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _represent_str)


def to_yaml(obj: Any, *, show_managed_fields: bool = False) -> str:
    """YAML as kubectl prints it (sorted keys, block style, no line wrapping, no
    managedFields unless asked for)."""
    return yaml.dump(
        obj if show_managed_fields else hide_managed_fields(obj),
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=True,
        allow_unicode=True,
        width=1 << 30,
    )


# --------------------------------------------------------------------------- time


def format_time(value: Any) -> str:
    """RFC 1123 with a numeric zone, as describe prints times: `Mon, 02 Jan 2006 15:04:05 +0000`."""
    moment = parse_time(value)
    if moment is None:
        return "<unknown>"
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z")


def age(value: Any, now: datetime | None = None) -> str:
    """How long ago an RFC 3339 timestamp was, `<unknown>` when there is none."""
    moment = parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration((now or datetime.now(UTC)) - moment)
