"""`mkctl get`: tables from the server, or the objects as YAML/JSON/names/JSONPath.

Tables are the server's (`Accept: ...;as=Table`), printed by `printers.render_table`; with
several types each table is preceded by a blank line and names carry their type
(`deployment.apps/web`), as kubectl prints them. Any other output fetches whole objects;
more than one object (or a list) becomes a `v1 List`.

`--raw PATH` prints the server's answer to `GET PATH` as it came.

`--watch` prints the table, then one row per change from the list's resourceVersion (or
only the changes with `--watch-only`), until interrupted or `--request-timeout` ends it. The
client's watch delivers whole objects, so each changed row is fetched as a one-row table
(a deleted object reuses its last row); column widths are remembered across rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo

from . import printers
from .common import Target, error_text, parse_targets
from .context import Context, CtlError
from .jsonpath import Template, compile_template

__all__ = ["Output", "add_output_flag", "custom_columns", "parse_output", "register"]

_FORMATS = "custom-columns,json,jsonpath,name,wide,yaml"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "get",
        help="Display one or many resources",
        description="Display one or many resources: TYPE[,TYPE] [NAME...] or TYPE/NAME...",
    )
    p.add_argument("resources", nargs="*", metavar="TYPE[/NAME]", help="what to get")
    add_output_flag(p)
    p.add_argument("-l", "--selector", help="label selector (e.g. app=web,tier!=db)")
    p.add_argument("--field-selector", help="field selector (e.g. status.phase=Running)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="list across all namespaces")
    p.add_argument("-w", "--watch", action="store_true", help="after listing, watch for changes")
    p.add_argument("--watch-only", action="store_true", help="watch for changes, without listing")
    p.add_argument("--show-labels", action="store_true", help="add a LABELS column")
    p.add_argument("--no-headers", action="store_true", help="do not print the header line")
    p.add_argument(
        "--ignore-not-found", action="store_true", help="do not fail when a named object is gone"
    )
    p.add_argument(
        "--raw", metavar="PATH", help="GET this server path and print the answer as it is"
    )
    p.add_argument(
        "--show-managed-fields",
        action="store_true",
        help="keep metadata.managedFields in -o yaml/json output (hidden by default, as kubectl)",
    )
    p.set_defaults(handler=run)


def add_output_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-o",
        "--output",
        default="",
        metavar="FORMAT",
        help=f"output format: {_FORMATS.replace(',', ', ')} (jsonpath=TEMPLATE, "
        "custom-columns=HEADER:PATH,...)",
    )


@dataclass
class Output:
    """The parsed `-o` flag."""

    kind: str  # "table", "wide", "yaml", "json", "name", "jsonpath", "custom-columns"
    template: Template | None = None
    show_managed_fields: bool = False
    columns: list[tuple[str, Template]] = field(default_factory=list)

    @property
    def is_table(self) -> bool:
        return self.kind in ("table", "wide")


def parse_output(value: str) -> Output:
    if value in ("", "wide", "yaml", "json", "name"):
        return Output(value or "table")
    kind, _, arg = value.partition("=")
    if kind == "jsonpath":
        if not arg:
            raise CtlError("template format specified but no template given")
        return Output("jsonpath", template=compile_template(arg))
    if kind == "custom-columns":
        columns: list[tuple[str, Template]] = []
        for spec in arg.split(","):
            header, colon, path = spec.partition(":")
            if not colon or not header or not path:
                raise CtlError(f'custom-columns format invalid: expected HEADER:PATH, got "{spec}"')
            path = path if path.startswith("{") else "{" + path + "}"
            columns.append((header, compile_template(path)))
        return Output("custom-columns", columns=columns)
    raise CtlError(
        f'unable to match a printer suitable for the output format "{value}", '
        f"allowed formats are: {_FORMATS}"
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.raw is not None:
        return get_raw(args, ctx)
    output = parse_output(args.output)
    output.show_managed_fields = args.show_managed_fields
    targets = parse_targets(args.resources, "get", ctx)
    if args.all_namespaces and any(t.names for t in targets):
        raise CtlError("a resource cannot be retrieved by name across all namespaces")
    if args.watch or args.watch_only:
        if len(targets) != 1:
            raise CtlError("you may only specify a single resource type")
        return watch(args, ctx, targets[0], output)
    if output.is_table:
        return print_tables(args, ctx, targets, output.kind == "wide")
    return print_objects(args, ctx, targets, output)


def get_raw(args: argparse.Namespace, ctx: Context) -> int:
    """`get --raw PATH`: the server's answer, unchanged (kubectl's way to reach any path)."""
    if args.resources:
        raise CtlError("arguments may not be passed when --raw is specified")
    if not args.raw.startswith("/"):
        raise CtlError(f"--raw must be an absolute path on the server, not {args.raw!r}")
    ctx.stdout.write(ctx.client.request("GET", args.raw).text)
    ctx.stdout.flush()
    return 0


def _scope(args: argparse.Namespace, ctx: Context, info: ResourceInfo) -> str | None:
    if not info.namespaced or args.all_namespaces:
        return None
    return ctx.namespace


def _no_resources(args: argparse.Namespace, ctx: Context, targets: list[Target]) -> None:
    if args.all_namespaces or not any(t.info.namespaced for t in targets):
        ctx.err("No resources found")
    else:
        ctx.err(f"No resources found in {ctx.namespace} namespace.")


# --------------------------------------------------------------------------- tables


def _tables(
    args: argparse.Namespace, ctx: Context, target: Target, wide: bool, failures: list[str]
) -> dict[str, Any] | None:
    """The table of one target: every named object's row, or the (selected) list."""
    info, ns = target.info, _scope(args, ctx, target.info)
    if not target.names:
        return ctx.client.get_table(
            info,
            ns,
            label_selector=args.selector,
            field_selector=args.field_selector,
            wide=wide,
        )
    merged: dict[str, Any] | None = None
    for name in target.names:
        try:
            table = ctx.client.get_table(info, ns or ctx.namespace, name, wide=wide)
        except errors.NotFound as e:
            if not args.ignore_not_found:
                failures.append(error_text(e))
            continue
        if merged is None:
            merged = table
        else:
            merged["rows"] = (merged.get("rows") or []) + (table.get("rows") or [])
    return merged


def print_tables(args: argparse.Namespace, ctx: Context, targets: list[Target], wide: bool) -> int:
    failures: list[str] = []
    printed = 0
    for target in targets:
        table = _tables(args, ctx, target, wide, failures)
        if table is None or not table.get("rows"):
            continue
        options = printers.TableOptions(
            with_namespace=args.all_namespaces and target.info.namespaced,
            show_labels=args.show_labels,
            no_headers=args.no_headers,
            name_prefix=printers.resource_prefix(target.info) + "/" if len(targets) > 1 else "",
        )
        if printed:
            ctx.out()
        for line in printers.render_table(table, options):
            ctx.out(line)
        printed += 1
    for failure in failures:
        ctx.err(failure)
    if not printed and not failures and not any(t.names for t in targets):
        _no_resources(args, ctx, targets)
    return 1 if failures else 0


# --------------------------------------------------------------------------- objects


def _objects(
    args: argparse.Namespace, ctx: Context, target: Target, failures: list[str]
) -> list[dict[str, Any]]:
    info, ns = target.info, _scope(args, ctx, target.info)
    if not target.names:
        items, _ = ctx.client.list_all(
            info, ns, label_selector=args.selector, field_selector=args.field_selector
        )
        return [printers.with_type(item, info) for item in items]
    found: list[dict[str, Any]] = []
    for name in target.names:
        try:
            found.append(printers.with_type(ctx.client.get(info, name, ns or ctx.namespace), info))
        except errors.NotFound as e:
            if not args.ignore_not_found:
                failures.append(error_text(e))
    return found


def print_objects(
    args: argparse.Namespace, ctx: Context, targets: list[Target], output: Output
) -> int:
    failures: list[str] = []
    objects: list[dict[str, Any]] = []
    for target in targets:
        objects.extend(_objects(args, ctx, target, failures))
    single = len(targets) == 1 and len(targets[0].names) == 1
    if objects or not failures:
        if not objects and output.kind in ("name", "custom-columns"):
            _no_resources(args, ctx, targets)
        else:
            doc = objects[0] if single and objects else printers.as_list(objects)
            _emit(ctx, output, doc, objects, args.no_headers)
    for failure in failures:
        ctx.err(failure)
    return 1 if failures else 0


def _emit(
    ctx: Context,
    output: Output,
    doc: dict[str, Any],
    objects: list[dict[str, Any]],
    no_headers: bool,
) -> None:
    show = output.show_managed_fields
    if output.kind == "yaml":
        ctx.stdout.write(printers.to_yaml(doc, show_managed_fields=show))
    elif output.kind == "json":
        ctx.out(printers.to_json(doc, show_managed_fields=show))
    elif output.kind == "name":
        for obj in objects:
            ctx.out(printers.object_name(obj))
    elif output.kind == "jsonpath":
        assert output.template is not None
        ctx.stdout.write(output.template.render(doc))
    elif output.kind == "custom-columns":
        for line in custom_columns(output.columns, objects, no_headers):
            ctx.out(line)
    ctx.stdout.flush()


def custom_columns(
    columns: list[tuple[str, Template]], objects: list[dict[str, Any]], no_headers: bool
) -> list[str]:
    """`-o custom-columns=NAME:.metadata.name,...`: several matches joined by commas."""
    lines = [] if no_headers else [[header for header, _ in columns]]
    for obj in objects:
        row: list[str] = []
        for _, template in columns:
            values = _values(template, obj)
            row.append(",".join(values) if values else "<none>")
        lines.append(row)
    return printers.tabwrite(lines)


def _values(template: Template, obj: dict[str, Any]) -> list[str]:
    text = template.render(obj)
    return [v for v in text.split(" ") if v] if text else []


# --------------------------------------------------------------------------- watch


@dataclass
class _RowCache:
    """The last row printed per object, for DELETED events (the object is gone)."""

    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    columns: list[dict[str, Any]] = field(default_factory=list)

    def remember(self, table: dict[str, Any]) -> None:
        if table.get("columnDefinitions"):
            self.columns = table["columnDefinitions"]
        for row in table.get("rows") or []:
            meta = (row.get("object") or {}).get("metadata") or {}
            self.rows[(meta.get("namespace") or "", meta.get("name") or "")] = row

    def table(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"columnDefinitions": self.columns, "rows": rows}


def _event_row(
    ctx: Context, info: ResourceInfo, obj: dict[str, Any], kind: str, cache: _RowCache, wide: bool
) -> dict[str, Any] | None:
    meta = obj.get("metadata") or {}
    key = (meta.get("namespace") or "", meta.get("name") or "")
    if kind != "DELETED":
        try:
            table = ctx.client.get_table(info, key[0] or None, key[1], wide=wide)
            cache.remember(table)
        except errors.NotFound:
            pass  # deleted since; print what we knew
    row = cache.rows.get(key)
    if kind == "DELETED":
        cache.rows.pop(key, None)
    return row


def _watch_events(
    args: argparse.Namespace, ctx: Context, info: ResourceInfo, rv: str, field_selector: str | None
) -> Iterator[dict[str, Any]]:
    """Events from `rv` on, resuming after the server ends a watch; BOOKMARKs move `rv`."""
    timeout = getattr(args, "request_timeout", None)
    while True:
        for event in ctx.client.watch(
            info,
            _scope(args, ctx, info),
            resource_version=rv or None,
            label_selector=args.selector,
            field_selector=field_selector,
            timeout_seconds=int(timeout) if timeout else None,
        ):
            obj = event.get("object") or {}
            rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
            if event.get("type") == "BOOKMARK":
                continue
            yield event
        if timeout:
            return  # --request-timeout bounds the whole watch


def watch(args: argparse.Namespace, ctx: Context, target: Target, output: Output) -> int:
    info = target.info
    if len(target.names) > 1:
        raise CtlError("watch is only supported on individual resources and resource collections")
    field_selector = args.field_selector
    if target.names:
        by_name = f"metadata.name={target.names[0]}"
        field_selector = f"{field_selector},{by_name}" if field_selector else by_name
    ns = _scope(args, ctx, info)
    options = printers.TableOptions(
        with_namespace=args.all_namespaces and info.namespaced,
        show_labels=args.show_labels,
        no_headers=args.no_headers,
    )
    wide = output.kind == "wide"
    cache = _RowCache()
    widths: list[int] = []
    header_done = args.no_headers
    table = ctx.client.get_table(
        info, ns, label_selector=args.selector, field_selector=field_selector, wide=wide
    )
    cache.remember(table)
    rv = str((table.get("metadata") or {}).get("resourceVersion") or "")
    if not args.watch_only:
        if output.is_table:
            if table.get("rows"):
                for line in printers.render_table(table, options, widths):
                    ctx.out(line)
                header_done = True
            else:
                _no_resources(args, ctx, [target])
        else:
            items, rv = ctx.client.list_all(
                info, ns, label_selector=args.selector, field_selector=field_selector
            )
            for item in items:
                _emit_one(ctx, output, printers.with_type(item, info))
    try:
        for event in _watch_events(args, ctx, info, rv, field_selector):
            obj = printers.with_type(event.get("object") or {}, info)
            if not output.is_table:
                _emit_one(ctx, output, obj)
                continue
            row = _event_row(ctx, info, obj, str(event.get("type")), cache, wide)
            if row is None:
                continue
            one = printers.TableOptions(
                options.with_namespace, options.show_labels, no_headers=header_done
            )
            lines = printers.render_table(cache.table([row]), one, widths)
            header_done = True
            for line in lines:
                ctx.out(line)
    except KeyboardInterrupt:
        return 0
    return 0


def _emit_one(ctx: Context, output: Output, obj: dict[str, Any]) -> None:
    show = output.show_managed_fields
    if output.kind == "yaml":
        ctx.stdout.write("---\n" + printers.to_yaml(obj, show_managed_fields=show))
        ctx.stdout.flush()
    elif output.kind == "json":
        ctx.out(printers.to_json(obj, show_managed_fields=show))
    elif output.kind == "name":
        ctx.out(printers.object_name(obj))
    elif output.kind == "jsonpath":
        assert output.template is not None
        ctx.stdout.write(output.template.render(obj))
        ctx.stdout.flush()
    else:
        for line in custom_columns(output.columns, [obj], True):
            ctx.out(line)
