#!/usr/bin/env bash
# Entrypoint of the minik8s image in the docker-compose lab: one role per container.
#
#   etcd | apiserver | controller-manager | scheduler   one daemon, supervised
#   node      a Docker engine of its own (data root on a volume), the offline test images built
#             into it, then mk-cri-docker, mk-kubelet and mk-proxy
#
# Every daemon runs under `python -m minik8s.cluster.supervise`, which restarts it when it
# dies. A node's supervisors are children of this script; if one of them gives up, the
# script stops the others and exits, so compose's restart policy starts the node afresh.
#
# Settings (environment): MINIK8S_API_SERVER (http://mk-apiserver:6443), MINIK8S_ETCD_SERVERS
# (http://etcd:2379), MINIK8S_CLUSTER_CIDR (pod addresses), MINIK8S_SERVICE_CIDR,
# NODE_NAME (default: the hostname), NODE_IP (default: this container's address towards the
# API server), MINIK8S_<ROLE>_ARGS (extra flags of one daemon, shell words).
set -euo pipefail

API=${MINIK8S_API_SERVER:-http://mk-apiserver:6443}
ETCD=${MINIK8S_ETCD_SERVERS:-http://etcd:2379}
CLUSTER_CIDR=${MINIK8S_CLUSTER_CIDR:-10.244.0.0/16}
SERVICE_CIDR=${MINIK8S_SERVICE_CIDR:-10.96.0.0/12}

say() { echo "$(date -u +%Y-%m-%dT%H:%M:%S) minik8s-entrypoint: $*"; }
supervise() {
    local name=$1
    shift
    python3 -m minik8s.cluster.supervise --name "$name" -- "$@"
}
extra() {
    # MINIK8S_KUBELET_ARGS="--v 1" → extra flags for that daemon.
    local var="MINIK8S_${1}_ARGS"
    echo "${!var:-}"
}
wait_for() {
    # wait_for SECONDS WHAT COMMAND…: poll COMMAND until it succeeds or the deadline passes.
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            say "timed out after ${seconds}s waiting for $what"
            return 1
        fi
        sleep 0.5
    done
}

no_default_route() {
    while ip -4 route show default | grep -q .; do
        ip -4 route del default
    done
}

role_etcd() {
    mkdir -p /var/lib/etcd
    # shellcheck disable=SC2046
    exec python3 -m minik8s.cluster.supervise --name etcd -- etcd --name minik8s \
        --data-dir /var/lib/etcd/data \
        --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls "$ETCD" \
        --listen-peer-urls http://127.0.0.1:2380 \
        --initial-advertise-peer-urls http://127.0.0.1:2380 \
        --initial-cluster minik8s=http://127.0.0.1:2380 \
        --log-level warn --logger zap $(extra ETCD)
}

cluster_address() {
    # This container's address on the `cluster` network, the one nodes and pods reach: the
    # source it uses towards etcd, which sits on that network only. The first address `ip
    # addr` lists may be the `edge` network's, depending on the order Docker attached them.
    local etcd_ip
    etcd_ip=$(getent hosts etcd | awk '{print $1; exit}')
    [ -n "$etcd_ip" ] && ip -o -4 route get "$etcd_ip" | sed -n 's/.* src \([0-9.]*\).*/\1/p'
}

role_apiserver() {
    # The API server also sits on the `edge` network only so that its port can be published on
    # the host's loopback (Docker publishes no port of an internal-only container). Without a
    # default route, nothing from this container can leave the machine through that network;
    # NET_ADMIN, granted for this one change, is dropped before the daemon starts.
    no_default_route
    local drop=() advertise=()
    local address
    address=$(cluster_address || true)
    [ -n "$address" ] && advertise=(--advertise-address "$address")
    command -v setpriv >/dev/null &&
        drop=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin --)
    # shellcheck disable=SC2046
    exec "${drop[@]}" python3 -m minik8s.cluster.supervise --name apiserver -- mk-apiserver \
        --etcd-servers "$ETCD" --bind-address 0.0.0.0 --port 6443 \
        --service-cluster-ip-range "$SERVICE_CIDR" "${advertise[@]}" $(extra APISERVER)
}

role_controller_manager() {
    # The add-ons (/opt/minik8s/addons, a copy of deploy/addons: cluster DNS) are kept applied.
    # shellcheck disable=SC2046
    exec python3 -m minik8s.cluster.supervise --name controller-manager -- \
        mk-controller-manager --server "$API" --cluster-cidr "$CLUSTER_CIDR" \
        --addons-dir /opt/minik8s/addons --service-cluster-ip-range "$SERVICE_CIDR" \
        $(extra CONTROLLER_MANAGER)
}

dns_ip() {
    # kube-dns's ClusterIP: the tenth address of the service range.
    python3 -c 'import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1]).network_address + 10)' \
        "$SERVICE_CIDR"
}

role_scheduler() {
    # shellcheck disable=SC2046
    exec python3 -m minik8s.cluster.supervise --name scheduler -- \
        mk-scheduler --server "$API" $(extra SCHEDULER)
}

node_ip() {
    # The source address this container uses towards the API server: its compose address.
    local host addr
    host=${API#*://}
    host=${host%%[:/]*}
    addr=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
    [ -n "$addr" ] || return 1
    ip -4 route get "$addr" | awk '{ for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1) }'
}

pids=()
stop_node() {
    say "stopping"
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    exit 0
}

role_node() {
    local name=${NODE_NAME:-$(hostname)}
    local ip=${NODE_IP:-}
    if [ -z "$ip" ]; then
        wait_for 60 "the API server's address" node_ip
        ip=$(node_ip)
    fi
    say "node $name, address $ip, API server $API"
    # Docker gives the internal network a gateway all the same (the host, whose rules drop
    # anything leaving the subnet); without a default route pod traffic to the outside
    # already dies here.
    no_default_route
    trap stop_node TERM INT

    # The engine makes cgroups and sets sysctls: without `privileged: true` (see
    # docker-compose.yml) Docker mounts /sys, /proc/sys and the cgroup hierarchies read-only.
    mount -o remount,rw /sys 2>/dev/null || true
    mount -o remount,bind,rw /proc/sys 2>/dev/null || true
    local m
    while read -r m; do
        mount -o remount,bind,rw "$m" 2>/dev/null || say "could not make $m writable"
    done < <(awk '$3 == "cgroup" { print $2 }' /proc/mounts)
    # A restarted container keeps its files: leftovers of the previous engine would stop it.
    rm -rf /var/run/docker.pid /var/run/docker.sock /var/run/docker /run/minik8s
    mkdir -p /var/log/minik8s /run/minik8s
    supervise dockerd dockerd --data-root /var/lib/docker --host unix:///var/run/docker.sock \
        >/var/log/minik8s/dockerd.log 2>&1 &
    pids+=($!)
    wait_for 90 "the node's Docker engine (log: /var/log/minik8s/dockerd.log)" docker info ||
        { tail -20 /var/log/minik8s/dockerd.log; exit 1; }
    # The offline images (pause, busybox, shell, httpd from busybox-static; dns from this
    # container's Python), as `make images`.
    BUSYBOX=/bin/busybox bash /opt/minik8s/images/build.sh

    # shellcheck disable=SC2046
    supervise cri mk-cri-docker --listen unix:///run/minik8s/cri.sock $(extra CRI) &
    pids+=($!)
    wait_for 60 "mk-cri-docker's socket" test -S /run/minik8s/cri.sock
    # shellcheck disable=SC2046
    supervise kubelet mk-kubelet --server "$API" --hostname-override "$name" --node-ip "$ip" \
        --container-runtime-endpoint unix:///run/minik8s/cri.sock \
        --cluster-dns "$(dns_ip)" $(extra KUBELET) &
    pids+=($!)
    # shellcheck disable=SC2046
    supervise proxy mk-proxy --server "$API" --hostname-override "$name" --node-ip "$ip" \
        --cluster-cidr "$CLUSTER_CIDR" --service-cluster-ip-range "$SERVICE_CIDR" \
        $(extra PROXY) &
    pids+=($!)
    say "node $name started"
    # A supervisor that gives up ends the node; compose's restart policy brings it back.
    set +e
    wait -n "${pids[@]}"
    say "a supervisor exited with $?; stopping the node"
    stop_node
}

case ${1:-help} in
etcd) role_etcd ;;
apiserver) role_apiserver ;;
controller-manager) role_controller_manager ;;
scheduler) role_scheduler ;;
node) role_node ;;
help | -h | --help)
    echo "usage: minik8s-entrypoint etcd|apiserver|controller-manager|scheduler|node|COMMAND…"
    ;;
*) exec "$@" ;;
esac
