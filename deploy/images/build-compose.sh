#!/usr/bin/env bash
# Builds the image of the docker-compose lab (deploy/compose), minik8s/minik8s:latest, from
# deploy/images/Dockerfile:
#
#   build-compose.sh              on python:3.11-slim-bookworm (needs a registry and internet)
#   build-compose.sh --offline    on minik8s/base-offline:bookworm, built first with
#                                 debootstrap when missing (base-offline.sh); the image build
#                                 itself then runs with `docker build --network none`
#   --rebuild-base                debootstrap the offline base again
#   --base IMAGE                  any other base (Debian bookworm with Python 3.11)
#
# minik8s goes in as wheels: `pip wheel` of the project and its dependencies on this machine
# (PyPI or pip's cache) into the build context, then `pip install --no-index` in the image.
# The wheels are built by this machine's Python, so it must be 3.11 like the image's.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
IMAGE=${MINIK8S_IMAGE:-minik8s/minik8s:latest}
base=python:3.11-slim-bookworm
offline=0
rebuild_base=()

usage() {
    echo "usage: $0 [--offline [--rebuild-base]] [--base IMAGE]   (env: MINIK8S_IMAGE, PYTHON)"
}
die() {
    echo "build-compose.sh: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --offline) offline=1; base=${BASE_OFFLINE_IMAGE:-minik8s/base-offline:bookworm} ;;
    --rebuild-base) rebuild_base=(--rebuild) ;;
    --base) [ $# -ge 2 ] || die "--base needs an image"; base=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done

if [ -z "${PYTHON:-}" ]; then
    PYTHON=python3
    [ -x "$root/.venv/bin/python" ] && PYTHON=$root/.venv/bin/python
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
    die "$PYTHON is not Python 3.11 (the image's); set PYTHON to a 3.11 interpreter"
command -v docker >/dev/null || die "docker is not installed: apt-get install -y docker.io"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (start dockerd)"

start=$(date +%s)
if [ "$offline" = 1 ]; then
    BASE_OFFLINE_IMAGE=$base bash "$here/base-offline.sh" "${rebuild_base[@]}"
fi

ctx=$(mktemp -d /var/tmp/minik8s-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT

# The project's sources only (no venv, caches or state), so the wheel is built from a clean copy
# and the work tree is left untouched.
mkdir -p "$ctx/src" "$ctx/wheels"
tar -C "$root" --exclude=__pycache__ --exclude='*.egg-info' -c pyproject.toml README.md \
    minik8s apiserver cridocker controllers kubelet scheduler proxy dns | tar -C "$ctx/src" -x
isolation=()
"$PYTHON" -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 70)' \
    2>/dev/null && isolation=(--no-build-isolation)
log=$ctx/build.log
"$PYTHON" -m pip wheel -q --disable-pip-version-check "${isolation[@]}" \
    --wheel-dir "$ctx/wheels" "$ctx/src" >"$log" 2>&1 || { tail -30 "$log" >&2; die "pip wheel failed"; }
rm -rf "$ctx/src"
echo "wheelhouse: $(find "$ctx/wheels" -name '*.whl' | wc -l) wheels in $(($(date +%s) - start)) s"

cp "$here/Dockerfile" "$here/build.sh" "$here/pyimage.py" "$ctx/"
cp -r "$root/deploy/addons" "$ctx/addons"
cp "$root/deploy/compose/entrypoint.sh" "$ctx/entrypoint.sh"
chmod 755 "$ctx/build.sh" "$ctx/entrypoint.sh"

network=()
[ "$offline" = 1 ] && network=(--network none)
docker build "${network[@]}" --build-arg "BASE=$base" -t "$IMAGE" "$ctx" >"$log" 2>&1 ||
    { tail -30 "$log" >&2; die "docker build of $IMAGE on $base failed"; }
# The image this build replaced, now untagged, goes (only untagged images with our label).
docker image prune -f --filter label=io.minik8s.image=compose >/dev/null || true
echo "built $IMAGE on $base in $(($(date +%s) - start)) s"
