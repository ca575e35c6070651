"""`mkctl`: the kubectl-like command line of minik8s.

Every command lives in a `cmd_*` module that exposes `register(subparsers)`; the modules
are listed in `COMMAND_MODULES`. A command's parser sets `handler`, called as
`handler(args, ctx)` with a `Context` (lazily built client, resolved namespace, streams).

The global flags (`--kubeconfig`, `--server/-s`, `--context`, `--namespace/-n`, `--token`,
`--request-timeout`, `-v`) are accepted before or after the command, as kubectl accepts
them. Every failure ends as one line on stderr and exit code 1 (usage errors too), never
a traceback; `-v=9` shows the traceback of an unexpected error, `-v=6` logs each request.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn, TextIO

from . import (
    cmd_apply,
    cmd_cluster,
    cmd_config,
    cmd_delete,
    cmd_describe,
    cmd_edit_meta,
    cmd_get,
    cmd_info,
    cmd_join,
    cmd_lab,
    cmd_streams,
)
from .common import EXPECTED_ERRORS, error_text, parse_duration
from .context import Context

__all__ = ["COMMAND_MODULES", "build_parser", "main", "run"]


def _optional_modules() -> list[ModuleType]:
    """ctl-2's commands, when they exist (main works without them)."""
    found: list[ModuleType] = []
    for name in ("cmd_rollout", "cmd_workloads", "cmd_top", "cmd_autoscale"):
        qualified = f"{__package__}.{name}"
        try:
            found.append(importlib.import_module(qualified))
        except ModuleNotFoundError as e:
            if e.name != qualified:
                raise
    return found


COMMAND_MODULES: list[ModuleType] = [
    cmd_get,
    cmd_describe,
    cmd_apply,
    cmd_delete,
    cmd_edit_meta,
    *_optional_modules(),
    cmd_streams,
    cmd_config,
    cmd_info,
    cmd_cluster,
    cmd_join,
    cmd_lab,
]


class _Parser(argparse.ArgumentParser):
    """Usage errors as kubectl reports them: `error: ...`, a hint, exit code 1."""

    _intermixing = False

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"error: {message}\nSee '{self.prog} -h' for help and examples\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Flags may come between positional words (`label cm --all k=v`), as in kubectl;
        argparse only allows that through its "intermixed" parsing, which cannot be used
        on a parser that has subcommands."""
        has_subcommands = any(isinstance(a, argparse._SubParsersAction) for a in self._actions)
        if self._intermixing or has_subcommands:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def _add_global_flags(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The flags every command accepts; on subcommands they must not reset the values
    given before the command, hence `SUPPRESS` defaults there."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    flags: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        (("--kubeconfig",), {"help": "path to the kubeconfig file"}),
        (("-s", "--server"), {"help": "the address of the API server (overrides kubeconfig)"}),
        (("--context",), {"help": "the kubeconfig context to use"}),
        (("-n", "--namespace"), {"help": "the namespace of this request"}),
        (("--token",), {"help": "bearer token for the API server"}),
        (
            ("--request-timeout",),
            {
                "type": parse_duration,
                "metavar": "DURATION",
                "help": "how long to wait for one server request (e.g. 10s); bounds --watch",
            },
        ),
        (
            ("-v", "--v"),
            {
                "type": int,
                "metavar": "LEVEL",
                "help": "log level: 6 logs every request, 9 shows tracebacks",
            },
        ),
    ]
    for names, kwargs in flags:
        taken = [n for n in names if n in parser._option_string_actions]
        usable = [n for n in names if n not in taken]
        if usable:
            parser.add_argument(*usable, default=default(None), **kwargs)


def _subparser_actions(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every (sub)command parser below `parser`."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found.append(sub)
                found.extend(_subparser_actions(sub))
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mkctl",
        description="mkctl controls a minik8s (or any Kubernetes) cluster, like kubectl.",
    )
    _add_global_flags(parser, suppress=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    for sub in _subparser_actions(parser):
        _add_global_flags(sub, suppress=True)
    return parser


def _setup_logging(level: int | None, stderr: TextIO) -> None:
    if level is not None and level >= 6:
        handler = logging.StreamHandler(stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        for name in ("httpx", "minik8s"):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG if level >= 8 else logging.INFO)


def run(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Parse `argv`, run the command, and return the exit code."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(out)
        return 0
    _setup_logging(args.v, err)
    ctx = Context(args, out, err, stdin or sys.stdin)
    try:
        code = handler(args, ctx)
    except EXPECTED_ERRORS as e:
        ctx.err(error_text(e, _server(ctx, args)))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - the CLI promises one line, never a traceback
        if (args.v or 0) >= 9:
            traceback.print_exc(file=err)
        ctx.err(f"error: unexpected {type(e).__name__}: {e} (run with -v=9 for details)")
        return 1
    finally:
        ctx.close()
    return int(code or 0)


def _server(ctx: Context, args: argparse.Namespace) -> str:
    try:
        return ctx.config.server
    except Exception:  # noqa: BLE001 - a broken kubeconfig: fall back to the flag
        return str(getattr(args, "server", "") or "")


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The `mkctl` console script."""
    code = run(argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    sys.exit(code)


if __name__ == "__main__":
    main()
