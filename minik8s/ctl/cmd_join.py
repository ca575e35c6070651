"""`mkctl token create|list|delete` and `mkctl join`: a new machine becomes a node.

Kubeadm's bootstrap-token discovery, in our own code (`minik8s.bootstrap.token`):

    control plane                               new machine (as root)
    mkctl token create ──► Secret kube-system/bootstrap-token-<id>
                       └─► ConfigMap kube-public/cluster-info (kubeconfig: server URL)
    bootstrapsigner    ──► cluster-info[jws-kubeconfig-<id>] = JWS(kubeconfig, secret)
                                                mkctl join --server URL --token <id>.<secret>
                                                  GET cluster-info (anonymous)
                                                  verify the JWS with the token's secret
                                                  write kubelet.conf, env files, units
                                                  systemctl enable --now mk-cri-docker …

`join` checks everything (token form, flags, discovery and its signature, Docker, systemd)
before it writes a file: a wrong or expired token ends with one line and nothing written.
`--root DIR` writes under DIR instead of `/` (with `--no-start`: a dry run to inspect,
and how the tests run it). The API server has no authentication yet: the token proves the
control plane to the node, not the node to the control plane.

Single-threaded; discovery polls cluster-info with a deadline (the signer may need a
moment after `token create`).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo, resolve
from minik8s.api.times import rfc3339
from minik8s.bootstrap import units
from minik8s.bootstrap.token import (
    CLUSTER_INFO,
    CLUSTER_INFO_NAMESPACE,
    JWS_PREFIX,
    KUBECONFIG_KEY,
    SECRET_PREFIX,
    SECRET_TYPE,
    TOKEN_NAMESPACE,
    USAGES,
    BootstrapToken,
    TokenError,
    TokenInfo,
    cluster_info_kubeconfig,
    is_token_id,
    server_of,
    token_secret,
    verify,
)

from . import printers
from .common import parse_duration
from .context import Context, CtlError

__all__ = ["discover", "node_files", "register"]


def _res(name: str) -> ResourceInfo:
    info = resolve(name)
    assert info is not None, name
    return info


SECRETS = _res("secrets")
CONFIGMAPS = _res("configmaps")
NODE_UNITS = units.NODE
_NODE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def register(subparsers: Any) -> None:
    token = subparsers.add_parser(
        "token",
        help="Manage bootstrap tokens (what `mkctl join` needs)",
        description="Bootstrap tokens let a new machine find and trust the control plane.",
    )
    verbs = token.add_subparsers(
        dest="token_verb", metavar="VERB", required=True, parser_class=type(token)
    )
    create = verbs.add_parser(
        "create",
        help="Create a bootstrap token and print the join command",
        description="Create a bootstrap token (Secret kube-system/bootstrap-token-<id>), "
        "make sure kube-public/cluster-info exists, and print the token and the "
        "`mkctl join` command to run on a new machine.",
    )
    create.add_argument("token_value", nargs="?", metavar="TOKEN", help="use this token")
    create.add_argument(
        "--ttl",
        type=parse_duration,
        default=24 * 3600.0,
        metavar="DURATION",
        help="how long the token is valid (e.g. 2h; 0 = never expires; default 24h)",
    )
    create.add_argument("--description", default="", help="a note on what the token is for")
    create.add_argument(
        "--usages",
        default=",".join(USAGES),
        help=f"comma-separated: {', '.join(USAGES)} (default both)",
    )
    create.add_argument(
        "--advertise-url",
        metavar="URL",
        help="the API server address nodes use, stored in cluster-info (default: the "
        "current one, else the kubeconfig's server)",
    )
    create.add_argument(
        "--print-join-command", action="store_true", help="print only the join command"
    )
    create.set_defaults(handler=run_token_create)

    listing = verbs.add_parser("list", help="List bootstrap tokens")
    listing.set_defaults(handler=run_token_list)

    delete = verbs.add_parser("delete", help="Delete bootstrap tokens")
    delete.add_argument("ids", nargs="+", metavar="TOKEN_ID", help="token ids (or tokens)")
    delete.set_defaults(handler=run_token_delete)

    join = subparsers.add_parser(
        "join",
        help="Make this machine a node of a cluster (run as root)",
        description="Verify the control plane with a bootstrap token, then install and "
        "start mk-cri-docker, mk-kubelet and mk-proxy as systemd units.",
    )
    join.add_argument(
        "-s", "--server", default=argparse.SUPPRESS, help="the API server, e.g. http://IP:6443"
    )
    join.add_argument(
        "--token", default=argparse.SUPPRESS, help="the token from `mkctl token create`"
    )
    join.add_argument("--node-name", help="the Node's name (default: the hostname)")
    join.add_argument("--node-ip", help="the Node's address (default: the kubelet's choice)")
    join.add_argument(
        "--cluster-cidr", default="10.244.0.0/16", help="the cluster's pod CIDR (for mk-proxy)"
    )
    join.add_argument("--pause-image", help="mk-cri-docker's pause image")
    join.add_argument("--root", default="/", help="install under this directory (default /)")
    join.add_argument("--bin-dir", help="where mk-kubelet & co. are (default: next to this mkctl)")
    join.add_argument(
        "--no-start", action="store_true", help="write the files but run no systemctl"
    )
    join.add_argument(
        "--discovery-timeout",
        type=parse_duration,
        default=60.0,
        metavar="DURATION",
        help="how long to wait for a signed cluster-info (default 60s)",
    )
    join.set_defaults(handler=run_join)


# ------------------------------------------------------------------ token create/list/delete


def _parse_usages(text: str) -> list[str]:
    usages = [u.strip() for u in text.split(",") if u.strip()]
    unknown = [u for u in usages if u not in USAGES]
    if unknown or not usages:
        raise CtlError(f"--usages: {text!r} is not a list of {', '.join(USAGES)}")
    return usages


def _normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        url = "http://" + url
    parts = urlsplit(url)
    if not parts.hostname:
        raise CtlError(f'"{url}" is not a server address (e.g. http://192.168.56.10:6443)')
    return url


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ensure_cluster_info(ctx: Context, advertise: str | None) -> str:
    """cluster-info's server, creating the ConfigMap (or changing its server) if asked."""
    client = ctx.client
    try:
        cm = client.get(CONFIGMAPS, CLUSTER_INFO, CLUSTER_INFO_NAMESPACE)
    except errors.NotFound:
        server = advertise or ctx.config.server
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": CLUSTER_INFO, "namespace": CLUSTER_INFO_NAMESPACE},
            "data": {KUBECONFIG_KEY: cluster_info_kubeconfig(server)},
        }
        client.create(CONFIGMAPS, body, CLUSTER_INFO_NAMESPACE)
        return server
    data = dict(cm.get("data") or {})
    try:
        current = server_of(data.get(KUBECONFIG_KEY, ""))
    except TokenError:
        current = ""
    if (advertise and advertise != current) or not current:
        server = advertise or ctx.config.server
        updated = dict(cm)
        # old signatures are over the old kubeconfig: the signer makes new ones
        updated["data"] = {k: v for k, v in data.items() if not k.startswith(JWS_PREFIX)}
        updated["data"][KUBECONFIG_KEY] = cluster_info_kubeconfig(server)
        client.update(CONFIGMAPS, updated, CLUSTER_INFO_NAMESPACE)
        return server
    return current


def run_token_create(args: argparse.Namespace, ctx: Context) -> int:
    try:
        token = (
            BootstrapToken.parse(args.token_value)
            if args.token_value
            else BootstrapToken.generate()
        )
    except TokenError as e:
        raise CtlError(str(e)) from None
    if args.ttl < 0:
        raise CtlError("--ttl must not be negative (0 = never expires)")
    usages = _parse_usages(args.usages)
    advertise = _normalise_url(args.advertise_url) if args.advertise_url else None
    expiration = datetime.now(UTC) + timedelta(seconds=args.ttl) if args.ttl else None
    secret = token_secret(token, expiration=expiration, description=args.description, usages=usages)
    server = _ensure_cluster_info(ctx, advertise)
    ctx.client.create(SECRETS, secret, TOKEN_NAMESPACE)
    command = shlex.join(["mkctl", "join", "--server", server, "--token", str(token)])
    if _is_loopback(server):
        ctx.err(
            f"warning: cluster-info sends nodes to {server}, which other machines cannot "
            "reach; pass --advertise-url http://<this machine's address>:6443"
        )
    if "signing" not in usages:
        ctx.err("warning: a token without the signing usage cannot be used by mkctl join")
    if args.print_join_command:
        ctx.out(command)
        return 0
    ctx.out(str(token))
    ctx.out(f"To make a machine a node, run on it as root: {command}")
    return 0


def _token_infos(ctx: Context) -> list[TokenInfo]:
    items, _ = ctx.client.list_all(SECRETS, TOKEN_NAMESPACE)
    found: list[TokenInfo] = []
    for secret in items:
        if secret.get("type") != SECRET_TYPE:
            continue
        try:
            found.append(TokenInfo.from_secret(secret))
        except TokenError as e:
            ctx.err(f"warning: {e}")
    return found


def _ttl_text(info: TokenInfo, now: datetime) -> tuple[str, str]:
    if info.expiration is None:
        return "<forever>", "<never>"
    expires = rfc3339(info.expiration)
    if info.expired(now):
        return "<invalid>", expires
    return printers.human_duration(info.expiration - now), expires


def run_token_list(args: argparse.Namespace, ctx: Context) -> int:
    now = datetime.now(UTC)
    rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION"]]
    for info in sorted(_token_infos(ctx), key=lambda i: i.token.id):
        ttl, expires = _ttl_text(info, now)
        usages = ",".join(info.usages) or "<none>"
        rows.append([str(info.token), ttl, expires, usages, info.description or "<none>"])
    if len(rows) == 1:
        ctx.err(f"No bootstrap tokens found in {TOKEN_NAMESPACE} namespace.")
        return 0
    for line in printers.tabwrite(rows):
        ctx.out(line)
    return 0


def run_token_delete(args: argparse.Namespace, ctx: Context) -> int:
    ids: list[str] = []
    for word in args.ids:
        token_id = word.split(".", 1)[0]
        if not is_token_id(token_id):
            raise CtlError(f'"{word}" is not a token id ([a-z0-9]{{6}}) or a token')
        ids.append(token_id)
    for token_id in ids:
        try:
            ctx.client.delete(SECRETS, SECRET_PREFIX + token_id, TOKEN_NAMESPACE)
        except errors.NotFound:
            raise CtlError(f'bootstrap token "{token_id}" not found') from None
        ctx.out(f'bootstrap token "{token_id}" deleted')
    return 0


# ------------------------------------------------------------------------------ join


def discover(server: str, token: BootstrapToken, timeout: float, *, interval: float = 1.0) -> str:
    """The API server address from `server`'s cluster-info, once a signature made with
    `token` verifies; `CtlError` (one line) when it does not within `timeout` seconds."""
    url = f"{server}/api/v1/namespaces/{CLUSTER_INFO_NAMESPACE}/configmaps/{CLUSTER_INFO}"
    deadline = time.monotonic() + timeout
    why = ""
    with httpx.Client(timeout=10.0) as http:
        while True:
            try:
                response = http.get(url)
            except httpx.HTTPError as e:
                why = f"cannot reach the API server at {server}: {e}"
            else:
                if response.status_code == 404:
                    raise CtlError(
                        f"the API server at {server} has no {CLUSTER_INFO_NAMESPACE}/"
                        f"{CLUSTER_INFO}: run `mkctl token create` on the control plane"
                    )
                if response.status_code != 200:
                    why = f"reading cluster-info from {server}: HTTP {response.status_code}"
                else:
                    found = _check_cluster_info(response.json(), token, server)
                    if found is not None:
                        return found
                    why = (
                        f"cluster-info at {server} has no signature for token id "
                        f"{token.id}: the token does not exist or has expired (see `mkctl "
                        "token list` on the control plane), or the controller manager's "
                        "bootstrapsigner is not running"
                    )
            if time.monotonic() + interval > deadline:
                raise CtlError(why)
            time.sleep(interval)


def _check_cluster_info(cm: Any, token: BootstrapToken, server: str) -> str | None:
    """The verified server address; None while the signature is missing; `CtlError` for
    a signature that does not verify (a wrong secret never becomes right by waiting)."""
    data = (cm.get("data") if isinstance(cm, dict) else None) or {}
    content = data.get(KUBECONFIG_KEY)
    if not isinstance(content, str):
        raise CtlError(f"cluster-info at {server} holds no kubeconfig")
    signature = data.get(JWS_PREFIX + token.id)
    if not signature:
        return None
    if not verify(content, str(signature), token):
        raise CtlError(
            f"cluster-info at {server} is not signed with this token: the token secret is "
            "wrong (or cluster-info was tampered with); nothing was written"
        )
    try:
        return server_of(content)
    except TokenError as e:
        raise CtlError(str(e)) from None


def node_kubeconfig(server: str, token: BootstrapToken) -> str:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "minik8s", "cluster": {"server": server}}],
        "users": [{"name": f"{SECRET_PREFIX}{token.id}", "user": {"token": str(token)}}],
        "contexts": [
            {
                "name": "minik8s",
                "context": {"cluster": "minik8s", "user": f"{SECRET_PREFIX}{token.id}"},
            }
        ],
        "current-context": "minik8s",
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def node_files(
    server: str,
    token: BootstrapToken,
    *,
    node_name: str,
    node_ip: str | None,
    cluster_cidr: str,
    pause_image: str | None,
    bin_dir: str,
) -> dict[str, tuple[str, int]]:
    """Every file `join` writes: absolute path -> (content, mode). Pure."""
    node = ["--hostname-override", node_name, *(["--node-ip", node_ip] if node_ip else [])]
    env_args = {
        "mk-cri-docker": ["--pause-image", pause_image] if pause_image else [],
        "mk-kubelet": node,
        "mk-proxy": [*node, "--cluster-cidr", cluster_cidr],
    }
    files = {units.KUBELET_KUBECONFIG: (node_kubeconfig(server, token), 0o600)}
    for name in NODE_UNITS:
        unit = units.UNITS[name]
        files[unit.env_file] = (units.render_env(unit, env_args[name]), 0o644)
        files[f"/etc/systemd/system/{name}.service"] = (units.render_unit(unit, bin_dir), 0o644)
    return files


def _default_bin_dir() -> str:
    here = Path(sys.executable).parent
    if (here / "mk-kubelet").exists():
        return str(here)
    found = shutil.which("mk-kubelet")
    return str(Path(found).parent) if found else units.DEFAULT_BIN_DIR


def _docker_problem() -> str | None:
    if shutil.which("docker") is None:
        return (
            "Docker is not installed: run `apt-get install -y docker.io && systemctl enable "
            "--now docker`, then mkctl join again"
        )
    try:
        ok = subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        return (
            "the Docker engine is not running: run `systemctl enable --now docker`, then "
            "mkctl join again"
        )
    return None


def _pause_image_missing(image: str) -> bool:
    try:
        result = subprocess.run(
            ["docker", "image", "inspect", image], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode != 0


def _join_options(args: argparse.Namespace) -> tuple[BootstrapToken, str, str, str | None]:
    """The token, discovery server, node name and node IP, checked (no I/O)."""
    server = getattr(args, "server", None)
    token_text = getattr(args, "token", None)
    if not server or not token_text:
        raise CtlError("mkctl join needs --server URL and --token TOKEN (see mkctl token create)")
    try:
        token = BootstrapToken.parse(token_text)
    except TokenError as e:
        raise CtlError(str(e)) from None
    name = (args.node_name or socket.gethostname()).lower()
    if not _NODE_NAME.match(name):
        raise CtlError(f'"{name}" is not a valid node name: pass --node-name')
    ip = args.node_ip
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise CtlError(f'--node-ip "{ip}" is not an IP address') from None
    try:
        ipaddress.ip_network(args.cluster_cidr, strict=False)
    except ValueError:
        raise CtlError(f'--cluster-cidr "{args.cluster_cidr}" is not a CIDR') from None
    if args.pause_image:
        try:
            units.check_arg(args.pause_image)
        except ValueError as e:
            raise CtlError(f"--pause-image: {e}") from None
    if Path(args.root).resolve() != Path("/") and not args.no_start:
        raise CtlError("--root installs somewhere systemd does not look: add --no-start")
    return token, _normalise_url(server), name, ip


def _write(root: Path, path: str, content: str, mode: int) -> Path:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(content)
    os.chmod(temp, mode)
    os.replace(temp, target)  # a crash never leaves half a file
    return target


def run_join(args: argparse.Namespace, ctx: Context) -> int:
    token, discovery, node_name, node_ip = _join_options(args)
    start = not args.no_start
    if start and shutil.which("systemctl") is None:
        raise CtlError("systemctl not found: mkctl join installs systemd units (or --no-start)")
    server = discover(discovery, token, args.discovery_timeout)
    problem = _docker_problem()
    if problem and start:
        raise CtlError(problem)
    bin_dir = args.bin_dir or _default_bin_dir()
    if start and not (Path(bin_dir) / "mk-kubelet").exists():
        raise CtlError(
            f"{bin_dir}/mk-kubelet not found: install minik8s there (python3 -m venv "
            f"/opt/minik8s/venv && /opt/minik8s/venv/bin/pip install ...) or pass --bin-dir"
        )
    ctx.out(f"cluster-info verified with token {token.id}: API server {server}")
    if problem:
        ctx.err(f"warning: {problem}")
    pause = args.pause_image or "minik8s/pause:latest"
    if not problem and _pause_image_missing(pause):
        ctx.err(
            f"warning: the pause image {pause} is not on this machine: build it with "
            "deploy/images/build.sh (minik8s source) or pass --pause-image"
        )
    files = node_files(
        server,
        token,
        node_name=node_name,
        node_ip=node_ip,
        cluster_cidr=args.cluster_cidr,
        pause_image=args.pause_image,
        bin_dir=bin_dir,
    )
    root = Path(args.root)
    for path, (content, mode) in files.items():
        ctx.out(f"wrote {_write(root, path, content, mode)}")
    commands = [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", *(f"{u}.service" for u in NODE_UNITS)],
    ]
    if not start:
        ctx.out("not started (--no-start); to start: " + " && ".join(map(shlex.join, commands)))
        return 0
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise CtlError(
                f"{shlex.join(command)} failed: {detail[-1] if detail else result.returncode}"
            )
    ctx.out(
        f"started {', '.join(NODE_UNITS)}; node {node_name!r} registers in a few seconds: "
        "`mkctl get nodes` on the control plane (logs: journalctl -u mk-kubelet)"
    )
    return 0
