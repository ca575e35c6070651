"""Lays out a small Python root filesystem for a minik8s daemon image, offline.

    python pyimage.py --hash                    the content hash (is the image up to date?)
    python pyimage.py ROOTFS                    copy the runtime into ROOTFS

The interpreter running this script (a virtualenv's base interpreter), its standard library
(without tests, IDLE, tkinter, ensurepip and the like), the shared libraries they link (as
`ldd` names them, at the same paths), the distributions the daemon imports with everything
they require, and the project's own packages go into ROOTFS at their paths on this machine,
plus `/usr/local/bin/<script>` that runs the daemon. Nothing is downloaded: the image holds
exactly the Python the cluster's own processes run, so it works wherever `make images`
runs (the host, a compose node container). deploy/images/build.sh puts a busybox userland
around it and `docker import`s it.

What the daemon imports is found by importing its modules in a child interpreter and
mapping every third-party module to its distribution (importlib.metadata), then following
those distributions' requirements (extras left out).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

DAEMON_MODULES = ("dns.main", "dns.cluster", "minik8s.client.rest", "minik8s.client.informer")
OWN_PACKAGES = ("dns", "minik8s")
SCRIPT = "mk-dns"
MAIN_MODULE = "dns"
STDLIB_SKIP = {
    "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data",
    "site-packages", "dist-packages", "__pycache__", "venv", "distutils",
}  # fmt: skip
# imported only because they are installed: httpx loads its command line when click is
# there, setuptools' .pth hook loads _distutils_hack; the daemon works without them
SKIP_DISTS = {"click", "rich", "pygments", "markdown-it-py", "mdurl", "setuptools"}
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def base_python() -> Path:
    return Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths(vars={"base": sys.base_prefix})["stdlib"])


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_distributions() -> list[str]:
    """Distributions whose modules the daemon imports, and what they require."""
    code = (
        "import importlib, json, sys\n"
        f"for m in {DAEMON_MODULES!r}: importlib.import_module(m)\n"
        "try:\n    import uvloop  # the daemon's loop\nexcept ImportError:\n    pass\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    tops = json.loads(out)
    owners = md.packages_distributions()
    wanted = {_normal(d) for t in tops for d in owners.get(t, []) if t not in OWN_PACKAGES}
    wanted -= {"minik8s", *SKIP_DISTS}
    todo, seen = list(wanted), set(wanted)
    while todo:
        try:
            dist = md.distribution(todo.pop())
        except md.PackageNotFoundError:
            continue
        for req in dist.requires or []:
            if "extra ==" in req.replace('"', "").replace("'", ""):
                continue
            match = _REQ_NAME.match(req)
            if match and _normal(match.group(1)) not in seen:
                try:
                    md.distribution(match.group(1))
                except md.PackageNotFoundError:
                    continue  # a marker excluded it here
                seen.add(_normal(match.group(1)))
                todo.append(_normal(match.group(1)))
    return sorted(seen)


def _dist_files(name: str) -> list[Path]:
    dist = md.distribution(name)
    files = []
    for f in dist.files or []:
        path = Path(str(dist.locate_file(f))).resolve()
        if path.is_file() and "__pycache__" not in path.parts and not str(f).endswith(".pyc"):
            if ".dist-info" in str(f) or str(f).startswith(".."):
                continue
            files.append(path)
    return files


def _own_package_dirs() -> list[Path]:
    out = []
    for name in OWN_PACKAGES:
        spec = __import__("importlib.util").util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"pyimage: package {name} is not importable by {sys.executable}")
        out.append(Path(next(iter(spec.submodule_search_locations))).resolve())
    return out


def content_hash(dists: list[str]) -> str:
    h = hashlib.sha256()
    h.update(base_python().read_bytes())
    h.update(Path(__file__).read_bytes())
    for name in dists:
        h.update(f"{name}=={md.version(name)}\n".encode())
    for pkg in _own_package_dirs():
        for f in sorted(pkg.rglob("*.py")):
            h.update(str(f.relative_to(pkg.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _copy(src: Path, rootfs: Path, dest: Path | None = None) -> None:
    target = rootfs / str(dest or src).lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(os.path.realpath(src), target)


def _libraries(files: list[Path]) -> set[str]:
    """Every shared library `ldd` names for these ELF files (the loader included)."""
    found: set[str] = set()
    for f in files:
        done = subprocess.run(["ldd", str(f)], capture_output=True, text=True)
        for line in done.stdout.splitlines():
            words = line.split()
            if "=>" in words and len(words) >= 3 and words[2].startswith("/"):
                found.add(words[2])
            elif words and words[0].startswith("/"):
                found.add(words[0])
    return found


def build(rootfs: Path, dists: list[str]) -> None:
    python = base_python()
    _copy(python, rootfs)
    stdlib = stdlib_dir()
    elf: list[Path] = [python]

    def ignore(directory: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in STDLIB_SKIP or n.startswith("config-")}
        if Path(directory).name == "lib-dynload":
            skip |= {n for n in names if n.startswith(("_tkinter", "_test", "xxlimited"))}
        return skip

    shutil.copytree(stdlib, rootfs / str(stdlib).lstrip("/"), ignore=ignore, symlinks=False,
                    ignore_dangling_symlinks=True, dirs_exist_ok=True)  # fmt: skip
    elf += list((rootfs / str(stdlib).lstrip("/")).rglob("*.so"))
    site = rootfs / "opt" / SCRIPT / "lib"
    for name in dists:
        dist = md.distribution(name)
        base = Path(str(dist.locate_file(""))).resolve()
        for f in _dist_files(name):
            try:
                rel = f.relative_to(base)
            except ValueError:
                continue
            _copy(f, site, rel)
            if f.suffix == ".so" or ".so." in f.name:
                elf.append(f)
    for pkg in _own_package_dirs():
        shutil.copytree(pkg, site / pkg.name, ignore=shutil.ignore_patterns("__pycache__"),
                        dirs_exist_ok=True)  # fmt: skip
    for lib in _libraries(elf):
        _copy(Path(lib), rootfs)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", str(site)],
        check=True, capture_output=True,
    )  # fmt: skip
    script = rootfs / "usr" / "local" / "bin" / SCRIPT
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(
        f'#!/bin/sh\nexport PYTHONPATH=/opt/{SCRIPT}/lib\nexec {python} -m {MAIN_MODULE} "$@"\n'
    )
    script.chmod(0o755)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rootfs", nargs="?", type=Path)
    p.add_argument("--hash", action="store_true", help="print the content hash and exit")
    args = p.parse_args()
    dists = imported_distributions()
    if args.hash or args.rootfs is None:
        print(content_hash(dists))
        return
    build(args.rootfs, dists)
    print(content_hash(dists))


if __name__ == "__main__":
    main()
