"""The text of `mkctl describe`: one pure function per kind, as kubectl lays it out.

Each describer writes the sections of its kind into a `Writer` (see `describe_sections`)
from the object and the `Related` bundle the command fetched (events, the pods a workload
controls or that use a claim, a deployment's replica sets, a service's endpoints, the pods
and lease of a node); none talks to the server, so they are unit-tested with plain dicts.
The workload, autoscaling and storage kinds live in `describe_workloads`,
`describe_autoscaling` and `describe_storage`. Kinds without a describer of their own
(including those mkctl only knows through discovery) get a generic view of their fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minik8s.api.pods import is_pod_terminal
from minik8s.api.quantity import parse_bytes, parse_cpu_millis

from . import printers
from .describe_autoscaling import describe_hpa
from .describe_sections import (
    Obj,
    Related,
    Writer,
    annotations_lines,
    condition_table,
    container_section,
    controlled_by_line,
    dict_of,
    dicts_of,
    events_section,
    header_lines,
    labels_lines,
    list_of,
    meta_of,
    node_selector_line,
    owned_pods,
    pod_template_section,
    pods_status,
    selector_string,
    text_of,
    tolerations_section,
    volumes_section,
)
from .describe_storage import describe_pv, describe_pvc
from .describe_workloads import (
    describe_cronjob,
    describe_daemonset,
    describe_job,
    describe_statefulset,
)

__all__ = ["Related", "Writer", "describe", "selector_string", "split_replica_sets"]


def _rs_summary(rs: Obj) -> str:
    spec, status = dict_of(rs.get("spec")), dict_of(rs.get("status"))
    return (
        f"{text_of(meta_of(rs).get('name'))} ({text_of(status.get('replicas'), '0')}/"
        f"{text_of(spec.get('replicas'), '1')} replicas created)"
    )


def _without_hash(template: Any) -> Any:
    template = dict_of(template)
    labels = {
        k: v
        for k, v in dict_of(meta_of(template).get("labels")).items()
        if k != "pod-template-hash"
    }
    return {**template, "metadata": {**meta_of(template), "labels": labels}}


def split_replica_sets(deploy: Obj, sets: list[Obj]) -> tuple[list[Obj], Obj | None]:
    """(old replica sets that still have pods, the new one) of a deployment."""
    uid = meta_of(deploy).get("uid")
    owned = [
        rs
        for rs in sets
        if not uid or any(r.get("uid") == uid for r in dicts_of(meta_of(rs).get("ownerReferences")))
    ]
    wanted = _without_hash(dict_of(deploy.get("spec")).get("template"))
    new = next(
        (rs for rs in owned if _without_hash(dict_of(rs.get("spec")).get("template")) == wanted),
        None,
    )
    old = [
        rs
        for rs in owned
        if rs is not new
        and (dict_of(rs.get("spec")).get("replicas") or dict_of(rs.get("status")).get("replicas"))
    ]
    return old, new


def _describe_deployment(w: Writer, obj: Obj, rel: Related) -> None:
    spec, status = dict_of(obj.get("spec")), dict_of(obj.get("status"))
    header_lines(w, obj, timestamp_first=True)
    w.line(0, "Selector:", selector_string(spec.get("selector")) or "<none>")
    w.line(
        0,
        "Replicas:",
        f"{text_of(spec.get('replicas'), '1')} desired | "
        f"{text_of(status.get('updatedReplicas'), '0')} updated | "
        f"{text_of(status.get('replicas'), '0')} total | "
        f"{text_of(status.get('availableReplicas'), '0')} available | "
        f"{text_of(status.get('unavailableReplicas'), '0')} unavailable",
    )
    strategy = dict_of(spec.get("strategy"))
    w.line(0, "StrategyType:", text_of(strategy.get("type"), "RollingUpdate"))
    w.line(0, "MinReadySeconds:", text_of(spec.get("minReadySeconds"), "0"))
    if text_of(strategy.get("type"), "RollingUpdate") == "RollingUpdate":
        rolling = dict_of(strategy.get("rollingUpdate"))
        w.line(
            0,
            "RollingUpdateStrategy:",
            f"{text_of(rolling.get('maxUnavailable'), '25%')} max unavailable, "
            f"{text_of(rolling.get('maxSurge'), '25%')} max surge",
        )
    pod_template_section(w, spec.get("template"))
    condition_table(
        w, status.get("conditions"), [("Type", "type"), ("Status", "status"), ("Reason", "reason")]
    )
    old, new = split_replica_sets(obj, rel.replica_sets)
    w.line(0, "OldReplicaSets:", ", ".join(_rs_summary(rs) for rs in old) or "<none>")
    w.line(0, "NewReplicaSet:", _rs_summary(new) if new else "<none>")


def _name_ns_selector_meta(w: Writer, obj: Obj) -> None:
    """The header kubectl uses for ReplicaSets, DaemonSets and Jobs (no timestamp)."""
    meta = meta_of(obj)
    w.line(0, "Name:", text_of(meta.get("name")))
    w.line(0, "Namespace:", text_of(meta.get("namespace")))
    w.line(0, "Selector:", selector_string(dict_of(obj.get("spec")).get("selector")) or "<none>")
    labels_lines(w, obj)
    annotations_lines(w, obj)


def _describe_replicaset(w: Writer, obj: Obj, rel: Related) -> None:
    spec, status = dict_of(obj.get("spec")), dict_of(obj.get("status"))
    _name_ns_selector_meta(w, obj)
    controlled_by_line(w, obj)
    w.line(
        0,
        "Replicas:",
        f"{text_of(status.get('replicas'), '0')} current / "
        f"{text_of(spec.get('replicas'), '1')} desired",
    )
    w.line(0, "Pods Status:", pods_status(owned_pods(obj, rel.pods)))
    pod_template_section(w, spec.get("template"))
    condition_table(
        w, status.get("conditions"), [("Type", "type"), ("Status", "status"), ("Reason", "reason")]
    )


def _describe_pod(w: Writer, obj: Obj, rel: Related) -> None:
    meta, spec, status = meta_of(obj), dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta.get("name")))
    w.line(0, "Namespace:", text_of(meta.get("namespace")))
    w.line(0, "Priority:", text_of(spec.get("priority"), "0"))
    if spec.get("serviceAccountName"):
        w.line(0, "Service Account:", spec["serviceAccountName"])
    node = text_of(spec.get("nodeName"))
    host_ip = text_of(status.get("hostIP"))
    w.line(0, "Node:", f"{node}/{host_ip}" if node and host_ip else node or "<none>")
    if status.get("startTime"):
        w.line(0, "Start Time:", printers.format_time(status["startTime"]))
    labels_lines(w, obj)
    annotations_lines(w, obj)
    if meta.get("deletionTimestamp"):
        w.line(
            0,
            "Status:",
            f"Terminating (lasts {printers.age(meta['deletionTimestamp'], rel.now)})",
        )
        w.line(
            0,
            "Termination Grace Period:",
            f"{text_of(meta.get('deletionGracePeriodSeconds'), '0')}s",
        )
    else:
        w.line(0, "Status:", text_of(status.get("phase"), "Pending"))
    for key, title in (("reason", "Reason"), ("message", "Message")):
        if status.get(key):
            w.line(0, f"{title}:", status[key])
    w.line(0, "IP:", text_of(status.get("podIP")))
    ips = [text_of(i.get("ip")) for i in dicts_of(status.get("podIPs"))]
    if ips:
        w.line(0, "IPs:")
        for ip in ips:
            w.line(1, "IP:", ip)
    else:
        w.line(0, "IPs:", "<none>")
    controlled_by_line(w, obj)
    statuses = {
        text_of(s.get("name")): s
        for s in dicts_of(status.get("containerStatuses"))
        + dicts_of(status.get("initContainerStatuses"))
    }
    for title, key in (("Init Containers", "initContainers"), ("Containers", "containers")):
        containers = dicts_of(spec.get(key))
        if key == "initContainers" and not containers:
            continue
        w.line(0, f"{title}:")
        for c in containers:
            container_section(w, c, statuses.get(text_of(c.get("name"))), "  ")
    conditions = dicts_of(status.get("conditions"))
    if conditions:
        w.line(0, "Conditions:")
        w.line(1, "Type", "Status")
        for c in conditions:
            w.line(1, f"{text_of(c.get('type'))} ", f"{text_of(c.get('status'))} ")
    volumes_section(w, 0, spec.get("volumes"))
    w.line(0, "QoS Class:", text_of(status.get("qosClass"), "BestEffort"))
    node_selector_line(w, 0, spec.get("nodeSelector"))
    tolerations_section(w, 0, spec.get("tolerations"))


def _endpoints_text(endpoints: Obj | None, port: dict[str, Any]) -> str:
    if not endpoints:
        return "<none>"
    found: list[str] = []
    for subset in dicts_of(endpoints.get("subsets")):
        ports = dicts_of(subset.get("ports"))
        match = next(
            (p for p in ports if text_of(p.get("name")) == text_of(port.get("name"))),
            ports[0] if len(ports) == 1 else None,
        )
        if match is None:
            continue
        for address in dicts_of(subset.get("addresses")):
            found.append(f"{text_of(address.get('ip'))}:{text_of(match.get('port'))}")
    if not found:
        return "<none>"
    shown = ",".join(found[:3])
    return shown + (f" + {len(found) - 3} more..." if len(found) > 3 else "")


def _describe_service(w: Writer, obj: Obj, rel: Related) -> None:
    spec, status = dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta_of(obj).get("name")))
    w.line(0, "Namespace:", text_of(meta_of(obj).get("namespace")))
    labels_lines(w, obj)
    annotations_lines(w, obj)
    selector = ",".join(f"{k}={v}" for k, v in sorted(dict_of(spec.get("selector")).items()))
    w.line(0, "Selector:", selector or "<none>")
    service_type = text_of(spec.get("type"), "ClusterIP")
    w.line(0, "Type:", service_type)
    w.line(0, "IP Family Policy:", text_of(spec.get("ipFamilyPolicy"), "SingleStack"))
    w.line(
        0, "IP Families:", ",".join(text_of(f) for f in list_of(spec.get("ipFamilies"))) or "IPv4"
    )
    w.line(0, "IP:", text_of(spec.get("clusterIP"), "<none>"))
    w.line(0, "IPs:", ",".join(text_of(i) for i in list_of(spec.get("clusterIPs"))) or "<none>")
    ingress = [
        text_of(i.get("ip") or i.get("hostname"))
        for i in dicts_of(dict_of(status.get("loadBalancer")).get("ingress"))
    ]
    if ingress:
        w.line(0, "LoadBalancer Ingress:", ", ".join(ingress))
    for port in dicts_of(spec.get("ports")):
        name = text_of(port.get("name"), "<unset>") or "<unset>"
        protocol = text_of(port.get("protocol"), "TCP")
        w.line(0, "Port:", f"{name}  {text_of(port.get('port'))}/{protocol}")
        target = port.get("targetPort", port.get("port"))
        w.line(0, "TargetPort:", f"{text_of(target)}/{protocol}")
        if port.get("nodePort"):
            w.line(0, "NodePort:", f"{name}  {text_of(port['nodePort'])}/{protocol}")
        w.line(0, "Endpoints:", _endpoints_text(rel.endpoints, port))
    w.line(0, "Session Affinity:", text_of(spec.get("sessionAffinity"), "None"))
    if service_type in ("NodePort", "LoadBalancer"):
        w.line(0, "External Traffic Policy:", text_of(spec.get("externalTrafficPolicy"), "Cluster"))
    w.line(0, "Internal Traffic Policy:", text_of(spec.get("internalTrafficPolicy"), "Cluster"))


def _cpu_text(millis: int) -> str:
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def _bytes_text(n: int) -> str:
    for suffix, size in (("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if n and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


_TOTAL_KEYS = ("cpu_req", "cpu_lim", "mem_req", "mem_lim", "eph_req", "eph_lim")


def _pod_resources(pod: Obj) -> dict[str, int]:
    """Sum of the containers' cpu (millis) and memory (bytes) requests and limits."""
    totals = dict.fromkeys(_TOTAL_KEYS, 0)
    for c in dicts_of(dict_of(pod.get("spec")).get("containers")):
        res = dict_of(c.get("resources"))
        limits = dict_of(res.get("limits"))
        requests = {**limits, **dict_of(res.get("requests"))}
        for key, values in (("req", requests), ("lim", limits)):
            try:
                if "cpu" in values:
                    totals[f"cpu_{key}"] += parse_cpu_millis(values["cpu"])
                if "memory" in values:
                    totals[f"mem_{key}"] += parse_bytes(values["memory"])
                if "ephemeral-storage" in values:
                    totals[f"eph_{key}"] += parse_bytes(values["ephemeral-storage"])
            except ValueError:
                continue
    return totals


def _percent(value: int, capacity: int) -> str:
    return f"{int(value * 100 / capacity) if capacity else 0}%"


def _taint_text(taint: dict[str, Any]) -> str:
    value = f"={text_of(taint['value'])}" if taint.get("value") else ""
    return f"{text_of(taint.get('key'))}{value}:{text_of(taint.get('effect'))}"


def _describe_node(w: Writer, obj: Obj, rel: Related) -> None:
    meta, spec, status = meta_of(obj), dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta.get("name")))
    roles = sorted(
        k.removeprefix("node-role.kubernetes.io/")
        for k in dict_of(meta.get("labels"))
        if k.startswith("node-role.kubernetes.io/")
    )
    w.line(0, "Roles:", ",".join(roles) or "<none>")
    labels_lines(w, obj)
    annotations_lines(w, obj)
    w.line(0, "CreationTimestamp:", printers.format_time(meta.get("creationTimestamp")))
    taints = [_taint_text(t) for t in dicts_of(spec.get("taints"))]
    if taints:
        for i, t in enumerate(taints):
            w.line(0, "Taints:" if i == 0 else "", t)
    else:
        w.line(0, "Taints:", "<none>")
    w.line(0, "Unschedulable:", text_of(bool(spec.get("unschedulable"))))
    _lease(w, rel)
    condition_table(
        w,
        status.get("conditions"),
        [
            ("Type", "type"),
            ("Status", "status"),
            ("LastHeartbeatTime", "lastHeartbeatTime"),
            ("LastTransitionTime", "lastTransitionTime"),
            ("Reason", "reason"),
            ("Message", "message"),
        ],
        spaced=5,
    )
    w.line(0, "Addresses:")
    for a in dicts_of(status.get("addresses")):
        w.line(1, f"{text_of(a.get('type'))}:", text_of(a.get("address")))
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        values = dict_of(status.get(key))
        if values:
            w.line(0, f"{title}:")
            for k in sorted(values):
                w.line(1, f"{k}:", text_of(values[k]))
    info = dict_of(status.get("nodeInfo"))
    if info:
        w.line(0, "System Info:")
        for title, key in (
            ("Machine ID", "machineID"),
            ("System UUID", "systemUUID"),
            ("Boot ID", "bootID"),
            ("Kernel Version", "kernelVersion"),
            ("OS Image", "osImage"),
            ("Operating System", "operatingSystem"),
            ("Architecture", "architecture"),
            ("Container Runtime Version", "containerRuntimeVersion"),
            ("Kubelet Version", "kubeletVersion"),
            ("Kube-Proxy Version", "kubeProxyVersion"),
        ):
            w.line(1, f"{title}:", text_of(info.get(key)))
    if spec.get("podCIDR"):
        w.line(0, "PodCIDR:", spec["podCIDR"])
    _node_pods(w, status, rel)


def _lease(w: Writer, rel: Related) -> None:
    if rel.lease_error:
        w.line(0, "Lease:", f"Failed to get lease: {rel.lease_error}")
        return
    if rel.lease is None:
        return
    spec = dict_of(rel.lease.get("spec"))
    w.line(0, "Lease:")
    w.line(1, "HolderIdentity:", text_of(spec.get("holderIdentity"), "<unset>"))
    for title, key in (("AcquireTime", "acquireTime"), ("RenewTime", "renewTime")):
        value = spec.get(key)
        w.line(1, f"{title}:", printers.format_time(value) if value else "<unset>")


def _node_pods(w: Writer, status: dict[str, Any], rel: Related) -> None:
    alloc = dict_of(status.get("allocatable")) or dict_of(status.get("capacity"))
    try:
        cpu_cap = parse_cpu_millis(alloc.get("cpu", 0))
        mem_cap = parse_bytes(alloc.get("memory", 0))
        eph_cap = parse_bytes(alloc.get("ephemeral-storage", 0))
    except ValueError:
        cpu_cap = mem_cap = eph_cap = 0
    pods = [p for p in rel.pods if not is_pod_terminal(p)]
    w.line(0, "Non-terminated Pods:", f"({len(pods)} in total)")
    # kubectl leaves an empty column after Name; it widens that column by the padding.
    w.line(
        1,
        "Namespace",
        "Name",
        "",
        "CPU Requests",
        "CPU Limits",
        "Memory Requests",
        "Memory Limits",
        "Age",
    )
    w.line(
        1,
        "---------",
        "----",
        "",
        "------------",
        "----------",
        "---------------",
        "-------------",
        "---",
    )
    total = dict.fromkeys(_TOTAL_KEYS, 0)
    for p in sorted(
        pods, key=lambda p: (text_of(meta_of(p).get("namespace")), text_of(meta_of(p).get("name")))
    ):
        r = _pod_resources(p)
        for k in total:
            total[k] += r[k]
        w.line(
            1,
            text_of(meta_of(p).get("namespace")),
            text_of(meta_of(p).get("name")),
            "",
            f"{_cpu_text(r['cpu_req'])} ({_percent(r['cpu_req'], cpu_cap)})",
            f"{_cpu_text(r['cpu_lim'])} ({_percent(r['cpu_lim'], cpu_cap)})",
            f"{_bytes_text(r['mem_req'])} ({_percent(r['mem_req'], mem_cap)})",
            f"{_bytes_text(r['mem_lim'])} ({_percent(r['mem_lim'], mem_cap)})",
            printers.age(meta_of(p).get("creationTimestamp"), rel.now),
        )
    w.line(0, "Allocated resources:")
    w.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)")
    w.line(1, "Resource", "Requests", "Limits")
    w.line(1, "--------", "--------", "------")
    w.line(
        1,
        "cpu",
        f"{_cpu_text(total['cpu_req'])} ({_percent(total['cpu_req'], cpu_cap)})",
        f"{_cpu_text(total['cpu_lim'])} ({_percent(total['cpu_lim'], cpu_cap)})",
    )
    w.line(
        1,
        "memory",
        f"{_bytes_text(total['mem_req'])} ({_percent(total['mem_req'], mem_cap)})",
        f"{_bytes_text(total['mem_lim'])} ({_percent(total['mem_lim'], mem_cap)})",
    )
    w.line(
        1,
        "ephemeral-storage",
        f"{_bytes_text(total['eph_req'])} ({_percent(total['eph_req'], eph_cap)})",
        f"{_bytes_text(total['eph_lim'])} ({_percent(total['eph_lim'], eph_cap)})",
    )


def _describe_namespace(w: Writer, obj: Obj, rel: Related) -> None:
    w.line(0, "Name:", text_of(meta_of(obj).get("name")))
    labels_lines(w, obj)
    annotations_lines(w, obj)
    w.line(0, "Status:", text_of(dict_of(obj.get("status")).get("phase"), "Active"))


def _describe_configmap(w: Writer, obj: Obj, rel: Related) -> None:
    header_lines(w, obj, timestamp_first=False, timestamp=False)
    w.raw("")
    w.raw("Data")
    w.raw("====")
    for key, value in sorted(dict_of(obj.get("data")).items()):
        w.raw(f"{key}:")
        w.raw("----")
        w.raw(text_of(value))
        w.raw("")
    w.raw("")
    w.raw("BinaryData")
    w.raw("====")
    for key, value in sorted(dict_of(obj.get("binaryData")).items()):
        w.raw(f"{key}: {len(text_of(value)) * 3 // 4} bytes")
    w.raw("")


def _describe_secret(w: Writer, obj: Obj, rel: Related) -> None:
    header_lines(w, obj, timestamp_first=False, timestamp=False)
    w.raw("")
    w.line(0, "Type:", text_of(obj.get("type"), "Opaque"))
    w.raw("")
    w.raw("Data")
    w.raw("====")
    for key, value in sorted(dict_of(obj.get("data")).items()):
        size = len(text_of(value)) * 3 // 4 - text_of(value).count("=")
        w.line(0, f"{key}:", f"{size} bytes")


def _generic_value(w: Writer, level: int, key: str, value: Any) -> None:
    if isinstance(value, dict):
        w.line(level, f"{key}:")
        for k in sorted(value):
            _generic_value(w, level + 1, k, value[k])
    elif isinstance(value, list):
        w.line(level, f"{key}:")
        for item in value:
            if isinstance(item, dict):
                for i, k in enumerate(sorted(item)):
                    prefix = "- " if i == 0 else "  "
                    if isinstance(item[k], dict | list):
                        _generic_value(w, level + 1, prefix + k, item[k])
                    else:
                        w.line(level + 1, f"{prefix}{k}:", text_of(item[k]))
            else:
                w.line(level + 1, f"- {text_of(item)}")
    else:
        w.line(level, f"{key}:", text_of(value))


def _describe_priority_class(w: Writer, obj: Obj, rel: Related) -> None:
    w.line(0, "Name:", text_of(meta_of(obj).get("name")))
    w.line(0, "Value:", text_of(obj.get("value"), "0"))
    w.line(0, "GlobalDefault:", text_of(bool(obj.get("globalDefault"))))
    if obj.get("preemptionPolicy"):
        w.line(0, "PreemptionPolicy:", text_of(obj["preemptionPolicy"]))
    w.line(0, "Description:", text_of(obj.get("description")))
    annotations_lines(w, obj)


def _describe_controller_revision(w: Writer, obj: Obj, rel: Related) -> None:
    header_lines(w, obj, timestamp_first=False)
    controlled_by_line(w, obj)
    w.line(0, "Revision:", text_of(obj.get("revision"), "0"))
    data = obj.get("data")
    if isinstance(data, dict | list):
        _generic_value(w, 0, "Data", data)
    else:
        w.line(0, "Data:", "<none>" if data is None else text_of(data))


def _describe_generic(w: Writer, obj: Obj, rel: Related) -> None:
    header_lines(w, obj, timestamp_first=False)
    for key in sorted(obj):
        if key in ("apiVersion", "kind", "metadata"):
            continue
        _generic_value(w, 0, key[:1].upper() + key[1:], obj[key])


Describer = Callable[[Writer, Obj, Related], None]

_DESCRIBERS: dict[str, Describer] = {
    "Deployment": _describe_deployment,
    "ReplicaSet": _describe_replicaset,
    "StatefulSet": describe_statefulset,
    "DaemonSet": describe_daemonset,
    "Job": describe_job,
    "CronJob": describe_cronjob,
    "HorizontalPodAutoscaler": describe_hpa,
    "PriorityClass": _describe_priority_class,
    "PersistentVolume": describe_pv,
    "PersistentVolumeClaim": describe_pvc,
    "ControllerRevision": _describe_controller_revision,
    "Pod": _describe_pod,
    "Service": _describe_service,
    "Node": _describe_node,
    "Namespace": _describe_namespace,
    "ConfigMap": _describe_configmap,
    "Secret": _describe_secret,
}


def describe(obj: Obj, related: Related) -> str:
    """The whole `describe` text of one object."""
    w = Writer()
    _DESCRIBERS.get(text_of(obj.get("kind")), _describe_generic)(w, obj, related)
    events_section(w, related.events, related.now)
    return w.render()
