"""`mkctl config`: read and edit the kubeconfig file (kubectl's format).

The file is the one `--kubeconfig` names, else the first entry of `$KUBECONFIG`, else
`$MINIK8S_KUBECONFIG`, else `~/.minik8s/config` (the order the client reads it in). Edits
rewrite the whole file with sorted keys, as kubectl does, through a temporary file and a
rename (so a crash never leaves half a kubeconfig) with mode 0600. None of these commands
talks to the server.

`view` hides credentials (`DATA+OMITTED`, `REDACTED`) unless `--raw`; `--minify` keeps
only what the current context uses.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from . import printers
from .context import Context, CtlError

__all__ = ["kubeconfig_path", "load_kubeconfig", "redact", "register", "save_kubeconfig"]

DEFAULT_KUBECONFIG = "~/.minik8s/config"
_SECTIONS = ("clusters", "contexts", "users")


def kubeconfig_path(flag: str | None) -> Path:
    """The kubeconfig file these commands read and write."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    chosen = first or os.environ.get("MINIK8S_KUBECONFIG", "") or DEFAULT_KUBECONFIG
    return Path(chosen).expanduser()


def _empty() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "clusters": None,
        "contexts": None,
        "current-context": "",
        "kind": "Config",
        "preferences": {},
        "users": None,
    }


def load_kubeconfig(path: Path) -> dict[str, Any]:
    """The file's document; an empty config when the file does not exist."""
    if not path.exists():
        return _empty()
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as e:
        raise CtlError(f"cannot read {path}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise CtlError(f"kubeconfig {path} is not valid YAML: {e}") from None
    if doc is None:
        return _empty()
    if not isinstance(doc, dict):
        raise CtlError(f"kubeconfig {path} is not a kubeconfig (expected a mapping)")
    return {**_empty(), **doc}


def save_kubeconfig(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(doc, default_flow_style=False, sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _entries(doc: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return [e for e in doc.get(section) or [] if isinstance(e, dict)]


def _find(doc: dict[str, Any], section: str, name: str) -> dict[str, Any] | None:
    return next((e for e in _entries(doc, section) if e.get("name") == name), None)


def redact(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy without secrets, as `kubectl config view` shows it."""
    out = copy.deepcopy(doc)
    for entry in _entries(out, "clusters"):
        body = entry.get("cluster") or {}
        if body.get("certificate-authority-data"):
            body["certificate-authority-data"] = "DATA+OMITTED"
    for entry in _entries(out, "users"):
        body = entry.get("user") or {}
        for key in ("client-certificate-data", "client-key-data"):
            if body.get(key):
                body[key] = "DATA+OMITTED"
        for key in ("token", "password"):
            if body.get(key):
                body[key] = "REDACTED"
    return out


def minify(doc: dict[str, Any], context: str | None) -> dict[str, Any]:
    name = context or doc.get("current-context") or ""
    ctx = _find(doc, "contexts", name)
    if ctx is None:
        raise CtlError(f'current-context must exist in order to minify (no context "{name}")')
    body = ctx.get("context") or {}
    cluster = _find(doc, "clusters", str(body.get("cluster") or ""))
    user = _find(doc, "users", str(body.get("user") or ""))
    return {
        **doc,
        "clusters": [cluster] if cluster else None,
        "contexts": [ctx],
        "current-context": name,
        "users": [user] if user else None,
    }


# --------------------------------------------------------------------------- commands


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "config", help="Modify kubeconfig files", description="Read and edit the kubeconfig file."
    )
    verbs = p.add_subparsers(
        dest="config_verb", metavar="VERB", required=True, parser_class=type(p)
    )

    view = verbs.add_parser("view", help="Display the kubeconfig")
    view.add_argument("--minify", action="store_true", help="only what the current context uses")
    view.add_argument("--raw", action="store_true", help="show credentials too")
    view.add_argument("-o", "--output", default="yaml", choices=("yaml", "json"))
    view.set_defaults(handler=run_view)

    use = verbs.add_parser("use-context", help="Set the current-context")
    use.add_argument("name")
    use.set_defaults(handler=run_use_context)

    current = verbs.add_parser("current-context", help="Display the current-context")
    current.set_defaults(handler=run_current_context)

    setc = verbs.add_parser("set-context", help="Set a context entry")
    setc.add_argument("name", nargs="?", help="the context (or --current)")
    setc.add_argument("--current", action="store_true", help="modify the current context")
    setc.add_argument("--cluster", help="the cluster of the context")
    setc.add_argument("--user", help="the user of the context")
    # `--namespace` here is the context's namespace; it shadows the global flag.
    setc.add_argument("--namespace", "-n", dest="context_namespace", help="its namespace")
    setc.set_defaults(handler=run_set_context)

    getc = verbs.add_parser("get-contexts", help="Describe one or many contexts")
    getc.add_argument("name", nargs="?")
    getc.add_argument("-o", "--output", default="", choices=("", "name"))
    getc.add_argument("--no-headers", action="store_true")
    getc.set_defaults(handler=run_get_contexts)

    delc = verbs.add_parser("delete-context", help="Delete a context entry")
    delc.add_argument("name")
    delc.set_defaults(handler=run_delete_context)


def _path(args: argparse.Namespace) -> Path:
    return kubeconfig_path(getattr(args, "kubeconfig", None))


def run_view(args: argparse.Namespace, ctx: Context) -> int:
    doc = load_kubeconfig(_path(args))
    if args.minify:
        doc = minify(doc, getattr(args, "context", None))
    if not args.raw:
        doc = redact(doc)
    if args.output == "json":
        ctx.out(json.dumps(doc, indent=4))
    else:
        ctx.stdout.write(printers.to_yaml(doc))
    return 0


def run_use_context(args: argparse.Namespace, ctx: Context) -> int:
    path = _path(args)
    doc = load_kubeconfig(path)
    if _find(doc, "contexts", args.name) is None:
        raise CtlError(f'no context exists with the name: "{args.name}"')
    doc["current-context"] = args.name
    save_kubeconfig(path, doc)
    ctx.out(f'Switched to context "{args.name}".')
    return 0


def run_current_context(args: argparse.Namespace, ctx: Context) -> int:
    doc = load_kubeconfig(_path(args))
    name = doc.get("current-context") or ""
    if not name:
        raise CtlError("current-context is not set")
    ctx.out(str(name))
    return 0


def run_set_context(args: argparse.Namespace, ctx: Context) -> int:
    path = _path(args)
    doc = load_kubeconfig(path)
    if args.current:
        if args.name:
            raise CtlError("you cannot specify both a context name and --current")
        name = str(doc.get("current-context") or "")
        if not name:
            raise CtlError("no current context is set")
    elif args.name:
        name = args.name
    else:
        raise CtlError("you must specify a non-empty context name or --current")
    entry = _find(doc, "contexts", name)
    created = entry is None
    if entry is None:
        entry = {"name": name, "context": {}}
        doc["contexts"] = [*_entries(doc, "contexts"), entry]
    body = entry.setdefault("context", {}) or {}
    entry["context"] = body
    for key, value in (
        ("cluster", args.cluster),
        ("user", args.user),
        ("namespace", args.context_namespace),
    ):
        if value is not None:
            if value:
                body[key] = value
            else:
                body.pop(key, None)
    save_kubeconfig(path, doc)
    ctx.out(f'Context "{name}" {"created" if created else "modified"}.')
    return 0


def run_get_contexts(args: argparse.Namespace, ctx: Context) -> int:
    doc = load_kubeconfig(_path(args))
    contexts = _entries(doc, "contexts")
    if args.name:
        contexts = [c for c in contexts if c.get("name") == args.name]
        if not contexts:
            raise CtlError(f"context {args.name} not found")
    if args.output == "name":
        for c in contexts:
            ctx.out(str(c.get("name")))
        return 0
    current = doc.get("current-context") or ""
    lines = [] if args.no_headers else [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]]
    for c in sorted(contexts, key=lambda c: str(c.get("name"))):
        body = c.get("context") or {}
        lines.append(
            [
                "*" if c.get("name") == current else "",
                str(c.get("name") or ""),
                str(body.get("cluster") or ""),
                str(body.get("user") or ""),
                str(body.get("namespace") or ""),
            ]
        )
    for line in printers.tabwrite(lines):
        ctx.out(line)
    return 0


def run_delete_context(args: argparse.Namespace, ctx: Context) -> int:
    path = _path(args)
    doc = load_kubeconfig(path)
    if _find(doc, "contexts", args.name) is None:
        raise CtlError(f"cannot delete context {args.name}, not in {path}")
    doc["contexts"] = [c for c in _entries(doc, "contexts") if c.get("name") != args.name]
    save_kubeconfig(path, doc)
    ctx.out(f"deleted context {args.name} from {path}")
    return 0
