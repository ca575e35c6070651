"""Service (core/v1): a stable name and virtual address in front of a set of pods.

A Service's name is a DNS-1035 label (it becomes a DNS name and environment variables).
`type` (ClusterIP by default) decides what is allocated: the API server gives a ClusterIP,
NodePort or LoadBalancer service a cluster IP from the service range unless it is headless
(`clusterIP: None`), and NodePort/LoadBalancer ports a node port; an ExternalName service is
only a DNS alias and gets neither. The cluster IP is immutable once allocated, except that
switching to ExternalName releases it. A replace that leaves out the allocated cluster IP or
node ports keeps them, and a service leaving NodePort/LoadBalancer sheds the node ports and
`externalTrafficPolicy` the client left untouched, as Kubernetes does. Validation accepts a
`nodePort` only in 30000-32767; a port's `protocol` defaults to TCP, its `targetPort` to `port`.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from minik8s.api import validation
from minik8s.api.defaults import child, dicts_at, set_default
from minik8s.api.errors import duplicate, forbidden, invalid, not_supported, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import dns1035_label_errors, dns1123_label_errors, dns1123_subdomain_errors
from minik8s.api.printing import (
    AGE,
    NAME,
    age,
    as_dict,
    as_list,
    at,
    column,
    dicts,
    format_labels,
    integer,
    name_of,
    text,
)
from minik8s.api.schema import (
    CORE,
    INT_OR_STRING,
    META,
    STRING_MAP,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    keyed,
    merged_by_type,
)
from minik8s.api.validation import (
    IMMUTABLE,
    IP_EXAMPLE,
    as_object,
    check,
    int_field,
    int_or_name_port,
    ip_error,
    is_ipv4,
    items_of,
    one_of,
    port_number,
    required_str,
    spec_of,
    str_field,
    string_list,
    validate_labels,
)

_ATOMIC_STRINGS = Array("string", list_type="atomic")

DEFINITIONS = {
    CORE + "ServiceSpec": Struct(
        {
            "ports": Field(
                keyed(CORE + "ServicePort", "port", "merge", "port", "protocol"),
                "The ports the service exposes, each forwarded to a port of the selected pods. "
                "Patches merge them by `port` and `protocol`.",
                proto=1,
            ),
            "selector": Field(
                STRING_MAP,
                "Labels that pick the pods the service sends traffic to; the endpoints "
                "controller keeps the service's Endpoints to these pods. Without a selector the "
                "Endpoints are managed by hand. Ignored for ExternalName services.",
                proto=2,
            ),
            "clusterIP": Field(
                "string",
                "The virtual IP the service answers at inside the cluster, allocated from the "
                "service range when empty; `None` makes a headless service (DNS returns the pod "
                "addresses). Immutable once set, except that switching to ExternalName "
                "releases it.",
                proto=3,
            ),
            "clusterIPs": Field(
                _ATOMIC_STRINGS,
                "The service's cluster IPs, at most one per IP family; the first is always "
                "`clusterIP`. Allocated along with `clusterIP` when empty.",
                proto=18,
            ),
            "type": Field(
                "string",
                "How the service is exposed: ClusterIP (an address inside the cluster, the "
                "default), NodePort (also a port on every node), LoadBalancer (also an external "
                "load balancer) or ExternalName (a DNS alias of `externalName`, no proxying).",
                proto=4,
            ),
            "externalIPs": Field(
                _ATOMIC_STRINGS,
                "Addresses outside the cluster's control at which the nodes also accept the "
                "service's ports (routing them to a node is up to the network).",
                proto=5,
            ),
            "sessionAffinity": Field(
                "string",
                "ClientIP keeps each client address on the same pod; None (the default) lets "
                "every connection pick any pod.",
                proto=7,
            ),
            "loadBalancerIP": Field(
                "string",
                "Deprecated: the address a LoadBalancer service asks of its load balancer; "
                "implementations may ignore it.",
                proto=8,
            ),
            "loadBalancerSourceRanges": Field(
                _ATOMIC_STRINGS,
                "CIDRs of the clients a LoadBalancer service's load balancer lets in, where the "
                "platform can filter them; empty lets everyone in.",
                proto=9,
            ),
            "externalName": Field(
                "string",
                "For ExternalName services: the DNS name (a lowercase RFC 1123 name) the "
                "service's name is an alias (CNAME) of. Required for that type.",
                proto=10,
            ),
            "externalTrafficPolicy": Field(
                "string",
                "For NodePort and LoadBalancer services, where traffic from outside goes: "
                "Cluster (the default) to ready pods on any node, hiding the client address; "
                "Local only to pods on the node that received it, keeping the client address.",
                proto=11,
            ),
            "healthCheckNodePort": Field(
                "integer",
                "For LoadBalancer services with externalTrafficPolicy Local: the node port that "
                "answers health checks, so the load balancer only uses nodes with local pods. "
                "Allocated when not given.",
                proto=12,
            ),
            "publishNotReadyAddresses": Field(
                "boolean",
                "When true, pods that are not ready are published as ready endpoints (and in "
                "DNS), for peers that must find each other before they are ready. Default "
                "false.",
                proto=13,
            ),
            "sessionAffinityConfig": Field(
                Ref(CORE + "SessionAffinityConfig"),
                "Settings of the chosen session affinity (the ClientIP timeout).",
                proto=14,
            ),
            "ipFamilies": Field(
                _ATOMIC_STRINGS,
                "The IP families (IPv4, IPv6) of the cluster IPs, in the order of `clusterIPs`; "
                "defaulted from `ipFamilyPolicy` and the cluster's configuration.",
                proto=19,
            ),
            "ipFamilyPolicy": Field(
                "string",
                "How many IP families the service gets: SingleStack (one, the default), "
                "PreferDualStack (two when the cluster has both) or RequireDualStack (two, or "
                "the service is refused).",
                proto=17,
                keep_zero=True,
            ),
            "allocateLoadBalancerNodePorts": Field(
                "boolean",
                "For LoadBalancer services: whether node ports are allocated for the load "
                "balancer. Default true; false suits load balancers that reach pods directly.",
                proto=20,
                keep_zero=True,
            ),
            "loadBalancerClass": Field(
                "string",
                "The load balancer implementation that serves this LoadBalancer service, as a "
                "label-style name such as `example.com/internal`; unset means the platform's "
                "default. Immutable once set.",
                proto=21,
                keep_zero=True,
            ),
            "internalTrafficPolicy": Field(
                "string",
                "Where traffic from inside the cluster to the cluster IP goes: Cluster (any "
                "ready pod, the default) or Local (only pods on the client's node; dropped when "
                "there is none).",
                proto=22,
                keep_zero=True,
            ),
            "trafficDistribution": Field(
                "string",
                "A preference for how traffic is spread over the endpoints, such as "
                "PreferClose (topologically near endpoints first); implementations may ignore "
                "it.",
                proto=23,
                keep_zero=True,
            ),
        },
        "What a service exposes and how.",
    ),
    CORE + "ServicePort": Struct(
        {
            "name": Field(
                "string",
                "The port's name, a DNS label unique within the service; required when the "
                "service has more than one port. The Endpoints' ports carry the same name.",
                proto=1,
            ),
            "protocol": Field(
                "string", "The IP protocol: TCP (the default), UDP or SCTP.", proto=2
            ),
            "appProtocol": Field(
                "string",
                "The application protocol, for implementations that treat protocols "
                "differently: an IANA service name, a `kubernetes.io/` name such as "
                "`kubernetes.io/h2c`, or a domain-prefixed name.",
                proto=6,
                keep_zero=True,
            ),
            "port": Field(
                "integer", "The port the service listens on, 1-65535. Required.", proto=3
            ),
            "targetPort": Field(
                Ref(INT_OR_STRING),
                "The port of the pods traffic is sent to: a number, or the name of a container "
                "port. Defaults to `port`.",
                proto=4,
            ),
            "nodePort": Field(
                "integer",
                "For NodePort and LoadBalancer services: the port every node opens for this "
                "service port, in the node port range (30000-32767); allocated when not given.",
                proto=5,
            ),
        },
        "One port a service exposes.",
    ),
    CORE + "SessionAffinityConfig": Struct(
        {
            "clientIP": Field(
                Ref(CORE + "ClientIPConfig"),
                "Settings used when `sessionAffinity` is ClientIP.",
                proto=1,
            ),
        },
        "Settings of a service's session affinity.",
    ),
    CORE + "ClientIPConfig": Struct(
        {
            "timeoutSeconds": Field(
                "integer",
                "How long a client stays with its pod after its last connection, 1-86400 "
                "seconds; 10800 (three hours) by default.",
                proto=1,
                keep_zero=True,
            ),
        },
        "How long ClientIP session affinity lasts.",
    ),
    CORE + "ServiceStatus": Struct(
        {
            "loadBalancer": Field(
                Ref(CORE + "LoadBalancerStatus"),
                "The load balancer in front of the service, once there is one.",
                proto=1,
            ),
            "conditions": Field(
                merged_by_type(META + "Condition"),
                "The current state of the service, one condition per type.",
                proto=2,
            ),
        },
        "The observed state of a service.",
    ),
    CORE + "LoadBalancerStatus": Struct(
        {
            "ingress": Field(
                Array(Ref(CORE + "LoadBalancerIngress"), list_type="atomic"),
                "The load balancer's points of entry.",
                proto=1,
            ),
        },
        "The state of a load balancer.",
    ),
    CORE + "LoadBalancerIngress": Struct(
        {
            "ip": Field("string", "The IP address of this point of entry, if it has one.", proto=1),
            "hostname": Field(
                "string", "The DNS name of this point of entry, if it has one.", proto=2
            ),
            "ipMode": Field(
                "string",
                "How traffic for `ip` arrives: VIP (at the nodes, still addressed to `ip`; the "
                "default) or Proxy (addressed to a node or pod by a proxying load balancer).",
                proto=3,
                keep_zero=True,
            ),
            "ports": Field(
                Array(Ref(CORE + "PortStatus"), list_type="atomic"),
                "The state of each service port at this point of entry.",
                proto=4,
            ),
        },
        "One point of entry of a load balancer: an IP address or a DNS name.",
    ),
    CORE + "PortStatus": Struct(
        {
            "port": Field("integer", "The number of the service port this is about.", proto=1),
            "protocol": Field("string", "The protocol of that port: TCP, UDP or SCTP.", proto=2),
            "error": Field(
                "string",
                "Why the port does not work, as a CamelCase reason (a well-known one or a "
                "domain-prefixed one); empty while it works.",
                proto=3,
                keep_zero=True,
            ),
        },
        "The state of one service port at a load balancer.",
    ),
}


# --------------------------------------------------------------------------- validation

_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
_NODE_PORT_MIN, _NODE_PORT_MAX = 30000, 32767


def _validate_port(port: Obj, path: str, errs: Errs, svc_type: str) -> None:
    if port.get("port") is None:
        errs.append(required(f"{path}.port"))
    else:
        port_number(port["port"], f"{path}.port", errs)
    one_of(port, "protocol", path, errs, validation.PROTOCOLS)
    if port.get("targetPort") is not None:
        int_or_name_port(port["targetPort"], f"{path}.targetPort", errs)
    str_field(port, "appProtocol", path, errs)
    node_port = int_field(port, "nodePort", path, errs)
    if not node_port:
        return
    if svc_type not in ("NodePort", "LoadBalancer"):
        errs.append(forbidden(f"{path}.nodePort", f"may not be used when `type` is '{svc_type}'"))
    elif not _NODE_PORT_MIN <= node_port <= _NODE_PORT_MAX:
        errs.append(
            invalid(
                f"{path}.nodePort",
                node_port,
                "provided port is not in the valid "
                f"range. The range of valid ports is {_NODE_PORT_MIN}-"
                f"{_NODE_PORT_MAX}",
            )
        )


def _validate_ports(spec: Obj, errs: Errs, svc_type: str) -> None:
    raw = spec.get("ports")
    many = isinstance(raw, list) and len(raw) > 1
    ports = items_of(spec, "ports", "spec", errs)
    names: set[str] = set()
    seen: set[tuple[Any, Any]] = set()
    node_ports: set[tuple[Any, Any]] = set()
    for path, port in ports:
        name = str_field(port, "name", path, errs)
        if many and not name:
            errs.append(required(f"{path}.name"))
        if name:
            check(errs, f"{path}.name", name, dns1123_label_errors(name))
            if name in names:
                errs.append(duplicate(f"{path}.name", name))
            names.add(name)
        _validate_port(port, path, errs, svc_type)
        protocol = port.get("protocol") or "TCP"
        key = (port.get("port"), protocol)
        if isinstance(key[0], int) and isinstance(protocol, str):
            if key in seen:
                errs.append(duplicate(path, {"port": key[0], "protocol": protocol}))
            seen.add(key)
        node_port = port.get("nodePort")
        if isinstance(node_port, int) and node_port and isinstance(protocol, str):
            if (node_port, protocol) in node_ports:
                errs.append(duplicate(f"{path}.nodePort", node_port))
            node_ports.add((node_port, protocol))


def _validate_cluster_ip(spec: Obj, errs: Errs, svc_type: str) -> None:
    cluster_ip = str_field(spec, "clusterIP", "spec", errs)
    if cluster_ip not in (None, "", "None") and not is_ipv4(cluster_ip):
        errs.append(invalid("spec.clusterIP", cluster_ip, IP_EXAMPLE))
    if cluster_ip == "None" and svc_type in ("NodePort", "LoadBalancer"):
        errs.append(
            invalid(
                "spec.clusterIP", cluster_ip, f"may not be set to 'None' for {svc_type} services"
            )
        )
    if svc_type == "ExternalName" and cluster_ip:
        errs.append(forbidden("spec.clusterIP", "may not be set for ExternalName services"))
    cluster_ips = string_list(spec, "clusterIPs", "spec", errs)
    if cluster_ips and cluster_ip and cluster_ips[0] != cluster_ip:
        errs.append(
            invalid("spec.clusterIPs", spec["clusterIPs"], "first value must match `clusterIP`")
        )


def _validate_policies(spec: Obj, errs: Errs, svc_type: str) -> None:
    affinity = one_of(spec, "sessionAffinity", "spec", errs, ["ClientIP", "None"])
    affinity_config = as_object(
        spec.get("sessionAffinityConfig"), "spec.sessionAffinityConfig", errs
    )
    config_path = "spec.sessionAffinityConfig.clientIP"
    config = as_object(affinity_config.get("clientIP"), config_path, errs)
    timeout = int_field(config, "timeoutSeconds", config_path, errs)
    if affinity == "ClientIP" and timeout is not None and not 0 < timeout <= 86400:
        errs.append(
            invalid(
                f"{config_path}.timeoutSeconds",
                timeout,
                "must be greater than 0 and less than 86400",
            )
        )
    external = one_of(spec, "externalTrafficPolicy", "spec", errs, ["Cluster", "Local"])
    if external and svc_type not in ("NodePort", "LoadBalancer"):
        errs.append(
            invalid(
                "spec.externalTrafficPolicy",
                external,
                "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
            )
        )
    one_of(spec, "internalTrafficPolicy", "spec", errs, ["Cluster", "Local"])
    one_of(
        spec, "ipFamilyPolicy", "spec", errs, ["PreferDualStack", "RequireDualStack", "SingleStack"]
    )
    for i, family in enumerate(string_list(spec, "ipFamilies", "spec", errs)):
        if family not in ("IPv4", "IPv6"):
            errs.append(not_supported(f"spec.ipFamilies[{i}]", family, ["IPv4", "IPv6"]))


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    svc_type = one_of(spec, "type", "spec", errs, _SERVICE_TYPES) or "ClusterIP"
    _validate_cluster_ip(spec, errs, svc_type)
    if svc_type == "ExternalName":
        name = required_str(spec, "externalName", "spec", errs)
        if name:
            check(errs, "spec.externalName", name, dns1123_subdomain_errors(name.rstrip(".")))
    headless = spec.get("clusterIP") == "None"
    if not spec.get("ports") and svc_type != "ExternalName" and not headless:
        errs.append(required("spec.ports"))
    _validate_ports(spec, errs, svc_type)
    errs.extend(validate_labels(spec.get("selector"), "spec.selector"))
    _validate_policies(spec, errs, svc_type)
    for i, ip in enumerate(string_list(spec, "externalIPs", "spec", errs)):
        error = ip_error(ip)
        if error:
            errs.append(invalid(f"spec.externalIPs[{i}]", ip, error))


def _validate_update(obj: Obj, old: Obj, errs: Errs) -> None:
    spec, old_spec = spec_of(obj), spec_of(old)
    old_ip, new_ip = old_spec.get("clusterIP"), spec.get("clusterIP")
    if not isinstance(old_ip, str) or not old_ip or new_ip == old_ip:
        return
    if spec.get("type") == "ExternalName" and new_ip in (None, ""):
        return  # switching to ExternalName releases the cluster IP
    errs.append(invalid("spec.clusterIP", new_ip, IMMUTABLE))


# --------------------------------------------------------------------------- defaults


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "type", "ClusterIP")
    set_default(spec, "sessionAffinity", "None")
    svc_type = spec.get("type")
    if spec.get("sessionAffinity") == "ClientIP":
        config = child(spec, "sessionAffinityConfig")
        client_ip = child(config, "clientIP") if config is not None else None
        if client_ip is not None:
            set_default(client_ip, "timeoutSeconds", 10800)
    for port in dicts_at(spec, "ports"):
        set_default(port, "protocol", "TCP")
        if port.get("targetPort") is None and port.get("port") is not None:
            port["targetPort"] = port["port"]
    if svc_type == "ExternalName":
        return
    set_default(spec, "ipFamilyPolicy", "SingleStack")
    set_default(spec, "ipFamilies", ["IPv4"])
    set_default(spec, "internalTrafficPolicy", "Cluster")
    if svc_type in ("NodePort", "LoadBalancer"):
        set_default(spec, "externalTrafficPolicy", "Cluster")
    if svc_type == "LoadBalancer":
        set_default(spec, "allocateLoadBalancerNodePorts", True)


# --------------------------------------------------------------------------- updates


def keep_allocated_values(old: dict[str, Any], new: dict[str, Any]) -> None:
    """A replace that leaves out the allocated ClusterIP or NodePorts keeps them."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec")
    if not isinstance(new_spec, dict):
        return
    if not new_spec.get("clusterIP") and new_spec.get("type") != "ExternalName":
        for key in ("clusterIP", "clusterIPs"):
            if key in old_spec:
                new_spec[key] = copy.deepcopy(old_spec[key])
    if new_spec.get("type") not in ("NodePort", "LoadBalancer"):
        return
    old_ports = {
        (p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
        for p in old_spec.get("ports") or []
        if isinstance(p, dict)
    }
    for port in new_spec.get("ports") or []:
        if isinstance(port, dict) and not port.get("nodePort"):
            kept = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
            if kept:
                port["nodePort"] = kept


def drop_type_dependent_fields(old: dict[str, Any], new: dict[str, Any]) -> None:
    """A Service leaving NodePort/LoadBalancer sheds the fields only those types may carry,
    when the client left them as they were (Kubernetes does the same)."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec")
    if not isinstance(new_spec, dict):
        return
    external = ("NodePort", "LoadBalancer")
    if old_spec.get("type") not in external or new_spec.get("type", "ClusterIP") in external:
        return
    if new_spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy"):
        new_spec.pop("externalTrafficPolicy", None)
    old_ports = {
        p.get("port"): p.get("nodePort") for p in old_spec.get("ports") or [] if isinstance(p, dict)
    }
    for port in new_spec.get("ports") or []:
        if isinstance(port, dict) and port.get("nodePort") == old_ports.get(port.get("port")):
            port.pop("nodePort", None)


# --------------------------------------------------------------------------- table


def _external_ip(spec: dict[str, Any], status: dict[str, Any]) -> str:
    svc_type = text(spec.get("type")) or "ClusterIP"
    external = [text(ip) for ip in as_list(spec.get("externalIPs"))]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        ingress = set()
        for entry in dicts(at(status, "loadBalancer", "ingress")):
            address = text(entry.get("ip")) or text(entry.get("hostname"))
            if address:
                ingress.add(address)
        addresses = sorted(ingress) + external
        return ",".join(addresses) if addresses else "<pending>"
    if svc_type == "ExternalName":
        return text(spec.get("externalName"))
    return "<unknown>"


def _ports(spec: dict[str, Any]) -> str:
    pieces = []
    for port in dicts(spec.get("ports")):
        protocol = text(port.get("protocol")) or "TCP"
        node_port = integer(port.get("nodePort"))
        if node_port > 0:
            pieces.append(f"{integer(port.get('port'))}:{node_port}/{protocol}")
        else:
            pieces.append(f"{integer(port.get('port'))}/{protocol}")
    return ",".join(pieces) or "<none>"


def _row(obj: Obj, now: datetime) -> Cells:
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    cluster_ips = as_list(spec.get("clusterIPs"))
    cluster_ip = text(cluster_ips[0]) if cluster_ips else text(spec.get("clusterIP"))
    return [
        name_of(obj),
        text(spec.get("type")) or "ClusterIP",
        cluster_ip or "<none>",
        _external_ip(spec, status),
        _ports(spec),
        age(obj, now),
        format_labels(spec.get("selector")),
    ]


_COLUMNS = (
    NAME,
    column(
        "Type", "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."
    ),
    column("Cluster-IP", "The IP address of the service inside the cluster."),
    column("External-IP", "The addresses the service is reachable at from outside."),
    column("Port(s)", "The ports the service exposes."),
    AGE,
    column("Selector", "The labels of the pods the service sends traffic to.", priority=1),
)


# --------------------------------------------------------------------------- the kind


class ServiceStrategy(Strategy):
    def name_errors(self, name: str) -> list[str]:
        return dns1035_label_errors(name)

    def default(self, obj: Obj) -> None:
        _default(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        _validate_update(new, old, errs)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        keep_allocated_values(old, new)
        drop_type_dependent_fields(old, new)


SERVICE = ResourceInfo(
    "",
    "v1",
    "Service",
    "services",
    "service",
    True,
    ("svc",),
    ("status",),
    ("all",),
    schema=KindSchema(
        (
            "Service gives a set of pods (chosen by a label selector) one stable name and "
            "virtual IP address, and spreads the connections to its ports over those pods; it "
            "can also expose them on every node, through a load balancer, or alias an external "
            "DNS name."
        ),
        {
            "spec": Field(
                Ref(CORE + "ServiceSpec"),
                "What the service exposes: its ports, the pods it selects and how it is reached.",
                proto=2,
            ),
            "status": Field(
                Ref(CORE + "ServiceStatus"),
                "The observed state of the service (its load balancer), written by the system.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={
        "spec.clusterIP": ("spec.clusterIP", ""),
        "spec.type": ("spec.type", ""),
    },
    strategy=ServiceStrategy(),
)
