#!/usr/bin/env bash
# Builds minik8s's offline images from Debian's busybox-static with `docker import`:
#
#   minik8s/pause:latest    the pod sandbox: sleeps until SIGTERM, then exits 0 at once
#   minik8s/busybox:latest  sh and every busybox applet (CMD sh)
#   minik8s/shell:latest    the same image under the name of a shell image
#   minik8s/httpd:latest    HTTP on :8080; GET / answers "<hostname> latest"
#   minik8s/httpd:v2        the same, answering "<hostname> v2"
#   minik8s/dns:latest      mk-dns, the cluster DNS add-on: this machine's Python (the
#                           interpreter of $PYTHON's virtualenv, its stdlib and libraries,
#                           the packages mk-dns imports; see pyimage.py) on the busybox
#                           userland; skipped with a warning when $PYTHON cannot import it
#
# Idempotent: every image carries the label io.minik8s.image-hash (a hash of the busybox
# binary and of this script; for minik8s/dns, of the Python files that go in); an image
# whose label matches is left alone.
#
# --push also serves Debian's docker-registry on 127.0.0.1:5000 (unless something answers
# there already; data and pidfile under $MINIK8S_STATE, default .minik8s/registry) and
# pushes every image as 127.0.0.1:5000/minik8s/<name>:<tag>. Docker treats registries on
# 127.0.0.0/8 as insecure by default, so plain HTTP works without daemon configuration.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUSYBOX=${BUSYBOX:-/bin/busybox}
REGISTRY=${REGISTRY:-127.0.0.1:5000}
STATE=${MINIK8S_STATE:-$root/.minik8s/registry}
push=0

usage() {
    echo "usage: $0 [--push]   (env: BUSYBOX, PYTHON, REGISTRY=127.0.0.1:5000, MINIK8S_STATE)"
}
die() {
    echo "build.sh: $*" >&2
    exit 1
}

for arg in "$@"; do
    case $arg in
    --push) push=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

if [ "$push" = 1 ]; then
    case $REGISTRY in
    127.* | localhost:*) ;;
    *) die "REGISTRY must be on loopback (127.0.0.0/8), not $REGISTRY" ;;
    esac
fi
command -v docker >/dev/null || die "docker is not installed: apt-get install -y docker.io"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (start dockerd)"
[ -x "$BUSYBOX" ] || die "$BUSYBOX is missing: apt-get install -y busybox-static"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked: apt-get install -y busybox-static"
fi

hash=$(cat "$BUSYBOX" "$0" | sha256sum | cut -c1-16)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A root filesystem with busybox, its applets, users and a few directories.
make_rootfs() {
    local dir=$1
    mkdir -p "$dir"/{bin,etc,tmp,root,www,proc,sys,dev}
    chmod 1777 "$dir/tmp"
    cp "$BUSYBOX" "$dir/bin/busybox"
    local applet
    for applet in $("$BUSYBOX" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
        >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
}

# up_to_date NAME:TAG HASH: the image exists and carries HASH.
up_to_date() {
    local have
    have=$(docker image inspect -f '{{index .Config.Labels "io.minik8s.image-hash"}}' "$1" \
        2>/dev/null || true)
    [ "$have" = "$2" ]
}

# build NAME:TAG DIR [--change ...]: imports DIR unless NAME:TAG carries this build's hash
# ($image_hash when set, else the busybox hash).
build() {
    local ref=$1 dir=$2
    shift 2
    local want=${image_hash:-$hash}
    if up_to_date "$ref" "$want"; then
        echo "$ref is up to date"
        return
    fi
    tar -C "$dir" -c . | docker import \
        --change "LABEL io.minik8s.image-hash=$want" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        "$@" - "$ref" >/dev/null
    echo "built $ref"
}

# pause: PID 1 ignores signals it does not handle, so it traps TERM and exits at once.
make_rootfs "$work/pause"
cat >"$work/pause/pause" <<'EOF'
#!/bin/sh
# The pod sandbox's only process: holds the namespaces until SIGTERM/SIGINT.
trap 'kill $! 2>/dev/null; exit 0' TERM INT
while :; do
    sleep 3600 &
    wait $!
done
EOF
chmod 755 "$work/pause/pause"
build minik8s/pause:latest "$work/pause" --change 'ENTRYPOINT ["/pause"]'

make_rootfs "$work/busybox"
build minik8s/busybox:latest "$work/busybox" --change 'CMD ["sh"]'
docker tag minik8s/busybox:latest minik8s/shell:latest

# httpd: busybox httpd runs /www/cgi-bin/index.cgi for GET / (there is no index.html).
for tag in latest v2; do
    dir="$work/httpd-$tag"
    make_rootfs "$dir"
    mkdir -p "$dir/www/cgi-bin"
    cat >"$dir/www/cgi-bin/index.cgi" <<EOF
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "\$(hostname) $tag"
EOF
    cat >"$dir/start-httpd" <<'EOF'
#!/bin/sh
# Serves /www on $PORT (8080); ends the server and exits 0 on SIGTERM/SIGINT.
httpd -f -p "${PORT:-8080}" -h /www &
server=$!
trap 'kill $server 2>/dev/null; exit 0' TERM INT
wait $server
EOF
    chmod 755 "$dir/www/cgi-bin/index.cgi" "$dir/start-httpd"
    build "minik8s/httpd:$tag" "$dir" --change 'CMD ["/start-httpd"]' --change 'EXPOSE 8080'
done

# dns: the Python runtime of mk-dns (pyimage.py) on the busybox userland.
if [ -z "${PYTHON:-}" ]; then
    PYTHON=python3
    [ -x "$root/.venv/bin/python" ] && PYTHON=$root/.venv/bin/python
fi
if "$PYTHON" -c 'import dns.main, dnslib' 2>/dev/null; then
    dns_hash=$("$PYTHON" "$here/pyimage.py" --hash)
    if up_to_date minik8s/dns:latest "$dns_hash"; then
        echo "minik8s/dns:latest is up to date"
    else
        make_rootfs "$work/dns"
        "$PYTHON" "$here/pyimage.py" "$work/dns" >/dev/null
        image_hash=$dns_hash build minik8s/dns:latest "$work/dns" \
            --change 'ENTRYPOINT ["/usr/local/bin/mk-dns"]' --change 'EXPOSE 53/udp 53/tcp 9153'
    fi
else
    echo "warning: minik8s/dns:latest not built: $PYTHON cannot import mk-dns (install" \
        "minik8s into it, or set PYTHON)" >&2
fi

[ "$push" = 1 ] || exit 0

registry_up() {
    python3 - "$REGISTRY" <<'EOF'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://{sys.argv[1]}/v2/", timeout=1)
except Exception:
    sys.exit(1)
EOF
}

if ! registry_up; then
    command -v docker-registry >/dev/null ||
        die "docker-registry is not installed: apt-get install -y docker-registry"
    mkdir -p "$STATE/data"
    cat >"$STATE/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
    nohup docker-registry serve "$STATE/config.yml" >"$STATE/registry.log" 2>&1 &
    echo $! >"$STATE/registry.pid"
    for _ in $(seq 100); do
        registry_up && break
        sleep 0.1
    done
    registry_up || die "the registry did not start on $REGISTRY; see $STATE/registry.log"
    echo "registry serving on $REGISTRY (pid $(cat "$STATE/registry.pid"), log $STATE/registry.log)"
fi

for ref in minik8s/pause:latest minik8s/busybox:latest minik8s/shell:latest \
    minik8s/httpd:latest minik8s/httpd:v2 minik8s/dns:latest; do
    docker image inspect "$ref" >/dev/null 2>&1 || continue
    docker tag "$ref" "$REGISTRY/$ref"
    docker push -q "$REGISTRY/$ref" >/dev/null
    echo "pushed $REGISTRY/$ref"
done
