"""`mkctl api-resources`, `version`, `cluster-info` and `completion`.

api-resources reads the server's discovery documents (so it shows what this server serves,
not what mkctl was built with), sorted by group then name as kubectl sorts them.
completion prints a bash (or zsh, through bashcompinit) script generated from mkctl's own
argument parser: verbs, their flags, resource types after the verbs that take them, and
object names, fetched with `mkctl get TYPE -o jsonpath=...` when TAB is pressed.
"""

from __future__ import annotations

import argparse
import json
from importlib import metadata
from typing import Any

from minik8s.api import errors, resources

from . import printers
from .context import Context, CtlError

__all__ = ["bash_completion", "register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "api-resources",
        help="Print the supported API resources on the server",
        description="Print the resources the server serves (from discovery).",
    )
    p.add_argument(
        "--namespaced", choices=("true", "false"), help="only namespaced (true) or cluster (false)"
    )
    p.add_argument("--api-group", help="only this group ('' for the core group)")
    p.add_argument("-o", "--output", default="", choices=("", "wide", "name"))
    p.add_argument("--no-headers", action="store_true")
    p.set_defaults(handler=run_api_resources)

    v = subparsers.add_parser("version", help="Print the client and server version information")
    v.add_argument("--client", action="store_true", help="only the client version")
    v.add_argument("-o", "--output", default="", choices=("", "yaml", "json"))
    v.set_defaults(handler=run_version)

    c = subparsers.add_parser("cluster-info", help="Display cluster information")
    c.set_defaults(handler=run_cluster_info)

    comp = subparsers.add_parser(
        "completion",
        help="Output shell completion code for bash or zsh",
        description="Load it with: source <(mkctl completion bash)",
    )
    comp.add_argument("shell", choices=("bash", "zsh"))
    comp.set_defaults(handler=run_completion)


# --------------------------------------------------------------------------- api-resources


def _rows(lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for doc in lists:
        group_version = str(doc.get("groupVersion") or "")
        group = group_version.rpartition("/")[0]
        for r in doc.get("resources") or []:
            name = str(r.get("name") or "")
            if "/" in name:
                continue  # subresources
            rows.append(
                {
                    "name": name,
                    "shortNames": ",".join(r.get("shortNames") or []),
                    "apiVersion": group_version,
                    "group": group,
                    "namespaced": bool(r.get("namespaced")),
                    "kind": str(r.get("kind") or ""),
                    "verbs": ",".join(r.get("verbs") or []),
                    "categories": ",".join(r.get("categories") or []),
                }
            )
    rows.sort(key=lambda r: (r["group"], r["name"]))
    return rows


def run_api_resources(args: argparse.Namespace, ctx: Context) -> int:
    rows = _rows(ctx.client.discovery())
    if args.namespaced is not None:
        rows = [r for r in rows if r["namespaced"] == (args.namespaced == "true")]
    if args.api_group is not None:
        rows = [r for r in rows if r["group"] == args.api_group]
    if args.output == "name":
        for r in rows:
            ctx.out(f"{r['name']}.{r['group']}" if r["group"] else r["name"])
        return 0
    header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    if args.output == "wide":
        header += ["VERBS", "CATEGORIES"]
    lines = [] if args.no_headers else [header]
    for r in rows:
        line = [
            r["name"],
            r["shortNames"],
            r["apiVersion"],
            str(r["namespaced"]).lower(),
            r["kind"],
        ]
        if args.output == "wide":
            line += [f"[{r['verbs'].replace(',', ' ')}]", r["categories"]]
        lines.append(line)
    for text in printers.tabwrite(lines):
        ctx.out(text)
    return 0


# --------------------------------------------------------------------------- version


def client_version() -> dict[str, str]:
    try:
        version = metadata.version("minik8s")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    return {"gitVersion": f"v{version}-mkctl", "platform": "python"}


def run_version(args: argparse.Namespace, ctx: Context) -> int:
    info: dict[str, Any] = {"clientVersion": client_version()}
    server_error: errors.APIError | None = None
    if not args.client:
        try:
            info["serverVersion"] = ctx.client.version()
        except errors.APIError as e:
            server_error = e
    if args.output == "json":
        ctx.out(json.dumps(info, indent=2))
    elif args.output == "yaml":
        ctx.stdout.write(printers.to_yaml(info))
    else:
        ctx.out(f"Client Version: {info['clientVersion']['gitVersion']}")
        if "serverVersion" in info:
            ctx.out(f"Server Version: {info['serverVersion'].get('gitVersion', '')}")
    if server_error is not None:
        raise server_error
    return 0


# --------------------------------------------------------------------------- cluster-info


def run_cluster_info(args: argparse.Namespace, ctx: Context) -> int:
    ctx.client.version()  # reachable, or the usual connection error
    server = ctx.config.server
    ctx.out(f"Kubernetes control plane is running at {server}")
    services = resources.resolve("services")
    assert services is not None
    try:
        items, _ = ctx.client.list_all(
            services, "kube-system", label_selector="kubernetes.io/cluster-service=true"
        )
    except errors.NotFound:
        items = []
    for svc in items:
        name = (svc.get("metadata") or {}).get("name", "")
        ports = (svc.get("spec") or {}).get("ports") or [{}]
        port = ports[0].get("name") or ports[0].get("port") or ""
        ctx.out(
            f"{name} is running at {server}/api/v1/namespaces/kube-system/services/"
            f"{name}:{port}/proxy"
        )
    ctx.out()
    ctx.out(
        "To further debug and diagnose cluster problems, use 'mkctl get events -A' and "
        "'mkctl describe nodes'."
    )
    return 0


# --------------------------------------------------------------------------- completion

# Verbs whose first argument is a resource type (TYPE NAME or TYPE/NAME).
_TYPED_VERBS = ("get", "describe", "delete", "label", "annotate", "scale", "edit", "rollout")


def _command_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return sorted(
        {s for a in parser._actions for s in a.option_strings if s.startswith("--") or len(s) == 2}
    )


def _type_words() -> list[str]:
    words: set[str] = set()
    for r in resources.RESOURCES:
        words.update({r.plural, r.singular, *r.short_names})
        if r.group:
            words.add(f"{r.plural}.{r.group}")
    words.add("all")
    return sorted(words)


def _shell_name(verb: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in verb)


def bash_completion(root: argparse.ArgumentParser) -> str:
    """A bash completion script for mkctl, generated from its parser."""
    commands = _command_parsers(root)
    verbs = sorted(commands)
    global_flags = _flags(root)
    lines = [
        "# bash completion for mkctl; load with: source <(mkctl completion bash)",
        f'_mkctl_verbs="{" ".join(verbs)}"',
        f'_mkctl_types="{" ".join(_type_words())}"',
        f'_mkctl_global_flags="{" ".join(global_flags)}"',
        f'_mkctl_typed_verbs=" {" ".join(v for v in _TYPED_VERBS if v in commands)} "',
    ]
    for verb, parser in sorted(commands.items()):
        lines.append(f'_mkctl_flags_{_shell_name(verb)}="{" ".join(_flags(parser))}"')
        subs = _command_parsers(parser)
        if subs:
            lines.append(f'_mkctl_sub_{_shell_name(verb)}="{" ".join(sorted(subs))}"')
    lines.append(_BASH_FUNCTIONS)
    return "\n".join(lines) + "\n"


_BASH_FUNCTIONS = r"""
__mkctl_names() {
    local type="$1" i word ns=()
    for ((i=1; i<${#COMP_WORDS[@]}; i++)); do
        word="${COMP_WORDS[i]}"
        case "$word" in
            -n|--namespace|-s|--server|--kubeconfig|--context)
                ns+=("$word" "${COMP_WORDS[i+1]}");;
            --namespace=*|--server=*|--kubeconfig=*|--context=*) ns+=("$word");;
        esac
    done
    mkctl "${ns[@]}" get "$type" -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null
}

_mkctl() {
    local cur="${COMP_WORDS[COMP_CWORD]}" verb="" sub="" word i var
    local args=()
    COMPREPLY=()
    for ((i=1; i<COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        case "$word" in
            -n|-s|-o|-l|-f|-v|--namespace|--server|--kubeconfig|--context|--token|\
            --request-timeout|--output|--selector|--filename|--field-selector|--replicas|\
            --cascade|--timeout|--grace-period|--cluster|--user|--type|--from-literal|\
            --from-file|--from-env-file)
                ((i++)); continue;;
            -*) continue;;
        esac
        if [[ -z "$verb" ]]; then
            verb="$word"
        else
            args+=("$word")
        fi
    done
    if [[ "$cur" == -* ]]; then
        var="_mkctl_flags_${verb//[^a-zA-Z0-9]/_}"
        COMPREPLY=( $(compgen -W "${!var} $_mkctl_global_flags" -- "$cur") )
        return 0
    fi
    if [[ -z "$verb" ]]; then
        COMPREPLY=( $(compgen -W "$_mkctl_verbs" -- "$cur") )
        return 0
    fi
    var="_mkctl_sub_${verb//[^a-zA-Z0-9]/_}"
    if [[ -n "${!var}" ]]; then
        if (( ${#args[@]} == 0 )); then
            COMPREPLY=( $(compgen -W "${!var}" -- "$cur") )
            return 0
        fi
        sub="${args[0]}"
        args=("${args[@]:1}")
        if [[ "$verb" == config ]]; then
            case "$sub" in
                use-context|set-context|get-contexts|delete-context)
                    local contexts
                    contexts="$(mkctl config get-contexts -o name 2>/dev/null)"
                    COMPREPLY=( $(compgen -W "$contexts" -- "$cur") );;
            esac
            return 0
        fi
    fi
    if [[ "$verb" == completion ]]; then
        COMPREPLY=( $(compgen -W "bash zsh" -- "$cur") )
        return 0
    fi
    if [[ "$_mkctl_typed_verbs" != *" $verb "* ]]; then
        return 0
    fi
    if [[ "$cur" == */* ]]; then
        local type="${cur%%/*}" name
        for name in $(__mkctl_names "$type"); do
            [[ "$type/$name" == "$cur"* ]] && COMPREPLY+=("$type/$name")
        done
        return 0
    fi
    if (( ${#args[@]} == 0 )); then
        COMPREPLY=( $(compgen -W "$_mkctl_types" -- "$cur") )
    elif [[ "${args[0]}" != */* ]]; then
        COMPREPLY=( $(compgen -W "$(__mkctl_names "${args[0]}")" -- "$cur") )
    fi
    return 0
}

complete -o default -F _mkctl mkctl"""

_ZSH_PREFIX = """#compdef mkctl
# zsh completion for mkctl; load with: source <(mkctl completion zsh)
autoload -U +X bashcompinit && bashcompinit
"""


def run_completion(args: argparse.Namespace, ctx: Context) -> int:
    from .main import build_parser  # the whole command tree; imported late (main imports us)

    script = bash_completion(build_parser())
    if args.shell == "zsh":
        script = _ZSH_PREFIX + script
    elif args.shell != "bash":
        raise CtlError(f"unsupported shell {args.shell!r}")
    ctx.stdout.write(script)
    return 0
