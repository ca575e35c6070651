#!/usr/bin/env bash
# Builds the offline base image of the docker-compose lab, minik8s/base-offline:bookworm, from
# Debian's packages alone (no container registry):
#
#   debootstrap --variant=minbase bookworm ROOTFS MIRROR   with python3, python3-venv,
#       docker.io, iptables, iproute2, etcd-server, etcd-client, busybox-static,
#       ca-certificates and procps included
#   tar -C ROOTFS -c . | docker import - minik8s/base-offline:bookworm
#
# MIRROR is the Debian mirror this machine's apt already uses (read from `apt-get
# indextargets`), or $DEBIAN_MIRROR; the project names no mirror of its own.
#
# Cached: an existing image is left alone unless --rebuild is given, so only the first
# build pays for debootstrap. Needs root (debootstrap and chroot), debootstrap and Docker.
set -euo pipefail

IMAGE=${BASE_OFFLINE_IMAGE:-minik8s/base-offline:bookworm}
SUITE=bookworm
PACKAGES=python3,python3-venv,docker.io,iptables,iproute2,etcd-server,etcd-client
PACKAGES=$PACKAGES,busybox-static,ca-certificates,procps
rebuild=0

usage() {
    echo "usage: $0 [--rebuild]   (env: BASE_OFFLINE_IMAGE=$IMAGE, DEBIAN_MIRROR)"
}
die() {
    echo "base-offline.sh: $*" >&2
    exit 1
}

for arg in "$@"; do
    case $arg in
    --rebuild) rebuild=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

command -v docker >/dev/null || die "docker is not installed: apt-get install -y docker.io"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (start dockerd)"
if [ "$rebuild" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "$IMAGE exists (--rebuild to build it again)"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
    # The repository this machine's apt reads bookworm's main component from.
    # shellcheck disable=SC2016 # $(…) are apt's format fields, not shell
    mirror=$(apt-get indextargets --format '$(RELEASE) $(COMPONENT) $(REPO_URI)' 2>/dev/null |
        awk -v s="$SUITE" '$1 == s && $2 == "main" { print $3; exit }')
fi
[ -n "$mirror" ] || die "no Debian $SUITE mirror in this machine's apt sources; set DEBIAN_MIRROR"

work=$(mktemp -d /var/tmp/minik8s-base.XXXXXX)
cleanup() {
    # debootstrap may leave /proc and /sys mounted inside the root filesystem.
    for m in proc sys dev/pts; do
        mountpoint -q "$work/rootfs/$m" 2>/dev/null && umount -l "$work/rootfs/$m"
    done
    rm -rf "$work"
}
trap cleanup EXIT

start=$(date +%s)
echo "debootstrap $SUITE (minbase) from $mirror into $work/rootfs"
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
    tail -30 "$work/debootstrap.log" >&2
    [ -f "$work/rootfs/debootstrap/debootstrap.log" ] &&
        tail -30 "$work/rootfs/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
fi
echo "debootstrap took $(($(date +%s) - start)) s"

# Smaller image: no package cache, no lists (the image never runs apt), no docs.
rootfs=$work/rootfs
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
for m in proc sys dev/pts; do
    mountpoint -q "$rootfs/$m" && umount -l "$rootfs/$m"
done

for bin in python3 dockerd etcd iptables ip busybox; do
    chroot "$rootfs" sh -c "command -v $bin" >/dev/null || die "$bin is missing from the rootfs"
done

tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL io.minik8s.base=debootstrap-$SUITE-minbase" \
    --change 'CMD ["bash"]' \
    - "$IMAGE" >/dev/null
echo "built $IMAGE in $(($(date +%s) - start)) s"
