"""Node (core/v1): a machine that runs pods, registered and kept up to date by its kubelet.

The kubelet creates its Node and reports `status` (capacity, conditions, addresses, system
info); the node IPAM controller fills `spec.podCIDR(s)`; users cordon it
(`spec.unschedulable`) and taint it. Rules: the pod CIDRs must be CIDRs, at most two (one
per IP family); a taint needs a qualified-name key and one of the three effects, and a key
may carry each effect once. `status.allocatable` defaults to `status.capacity`. The table
shows Ready/NotReady (plus SchedulingDisabled when cordoned) and the roles from the
`node-role.kubernetes.io/<role>` labels.
"""

from __future__ import annotations

import copy
from datetime import datetime

from minik8s.api import validation
from minik8s.api.defaults import child, set_default
from minik8s.api.errors import duplicate, invalid, not_supported, too_long
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import label_value_errors, qualified_name_errors
from minik8s.api.printing import AGE, NAME, age, as_dict, at, column, dicts, name_of, text
from minik8s.api.schema import (
    CORE,
    QUANTITY_MAP,
    TIME,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    keyed,
    merged_by_type,
)
from minik8s.api.validation import (
    CIDR_EXAMPLE,
    as_object,
    bool_field,
    check,
    cidr_error,
    items_of,
    required_str,
    str_field,
    string_list,
)

_ATOMIC_STRINGS = Array("string", list_type="atomic")
_CONFIG_SOURCE = Ref(CORE + "NodeConfigSource")

DEFINITIONS = {
    CORE + "NodeSpec": Struct(
        {
            "podCIDR": Field(
                "string",
                "The IP range this node's pods get their addresses from, given by the node "
                "IPAM controller; the same as the first of `podCIDRs`.",
                proto=1,
            ),
            "podCIDRs": Field(
                Array("string", strategy="merge", list_type="set"),
                "The pod IP ranges of this node, at most one per IP family; the first is "
                "`podCIDR`.",
                proto=7,
            ),
            "providerID": Field(
                "string",
                "The node's ID at its cloud provider, as `<provider>://<id>`.",
                proto=3,
            ),
            "unschedulable": Field(
                "boolean",
                "When true (`kubectl cordon`), no new pods are scheduled onto the node; the "
                "pods already on it keep running. Default false.",
                proto=4,
            ),
            "taints": Field(
                Array(Ref(CORE + "Taint"), list_type="atomic"),
                "Marks that keep away the pods which do not tolerate them.",
                proto=5,
            ),
            "configSource": Field(
                _CONFIG_SOURCE,
                "Deprecated and ignored: where the kubelet once loaded its configuration from "
                "(dynamic kubelet configuration, removed in Kubernetes 1.24).",
                proto=6,
            ),
            "externalID": Field("string", "Deprecated and unused; kept for old clients.", proto=2),
        },
        "The desired state of a node.",
    ),
    CORE + "Taint": Struct(
        {
            "key": Field(
                "string",
                "The taint's key, a qualified name (an optional DNS prefix, `/`, a name), such "
                "as `example.com/gpu`. Required.",
                proto=1,
            ),
            "value": Field("string", "The taint's value, a label value; may be empty.", proto=2),
            "effect": Field(
                "string",
                "What happens to pods that do not tolerate the taint: NoSchedule (they are not "
                "scheduled here), PreferNoSchedule (the scheduler avoids the node) or NoExecute "
                "(running ones are evicted too). Required; a key carries each effect once.",
                proto=3,
            ),
            "timeAdded": Field(
                TIME,
                "When the taint was added; set for NoExecute taints only.",
                proto=4,
            ),
        },
        "A mark on a node that repels the pods that do not tolerate it.",
    ),
    CORE + "NodeConfigSource": Struct(
        {
            "configMap": Field(
                Ref(CORE + "ConfigMapNodeConfigSource"),
                "The ConfigMap that held the configuration.",
                proto=2,
            ),
        },
        "Deprecated: where a node's kubelet configuration came from.",
    ),
    CORE + "ConfigMapNodeConfigSource": Struct(
        {
            "namespace": Field("string", "The ConfigMap's namespace.", proto=1),
            "name": Field("string", "The ConfigMap's name.", proto=2),
            "uid": Field("string", "The ConfigMap's UID, as observed by the kubelet.", proto=3),
            "resourceVersion": Field(
                "string",
                "The ConfigMap's resourceVersion, as observed by the kubelet.",
                proto=4,
            ),
            "kubeletConfigKey": Field(
                "string",
                "The key of the ConfigMap's data that held the kubelet configuration.",
                proto=5,
            ),
        },
        "Deprecated: a ConfigMap holding a kubelet configuration.",
    ),
    CORE + "NodeStatus": Struct(
        {
            "capacity": Field(
                QUANTITY_MAP,
                "The node's total resources (cpu, memory, pods, ephemeral-storage, "
                "hugepages-<size>, ...), as quantities.",
                proto=1,
            ),
            "allocatable": Field(
                QUANTITY_MAP,
                "The part of the capacity left for pods once the system's reservations are "
                "taken out; the scheduler fits pods into it. Defaults to `capacity`.",
                proto=2,
            ),
            "phase": Field(
                "string",
                "Deprecated and no longer set: Pending, Running or Terminated.",
                proto=3,
            ),
            "conditions": Field(
                merged_by_type(CORE + "NodeCondition"),
                "The current state of the node, one condition per type (Ready, "
                "MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable).",
                proto=4,
            ),
            "addresses": Field(
                keyed(CORE + "NodeAddress", "type"),
                "The node's addresses, merged by type (InternalIP, ExternalIP, Hostname, "
                "InternalDNS, ExternalDNS).",
                proto=5,
            ),
            "daemonEndpoints": Field(
                Ref(CORE + "NodeDaemonEndpoints"),
                "Where the daemons on the node (the kubelet) listen.",
                proto=6,
            ),
            "nodeInfo": Field(
                Ref(CORE + "NodeSystemInfo"),
                "The identity and versions of the machine, its operating system, the kubelet "
                "and the container runtime.",
                proto=7,
            ),
            "images": Field(
                Array(Ref(CORE + "ContainerImage"), list_type="atomic"),
                "The container images present on the node.",
                proto=8,
            ),
            "volumesInUse": Field(
                _ATOMIC_STRINGS,
                "The unique names of the volumes attached to the node and in use by its pods.",
                proto=9,
            ),
            "volumesAttached": Field(
                Array(Ref(CORE + "AttachedVolume"), list_type="atomic"),
                "The volumes attached to the node.",
                proto=10,
            ),
            "config": Field(
                Ref(CORE + "NodeConfigStatus"),
                "Deprecated: the state of the node's dynamic kubelet configuration.",
                proto=11,
            ),
            "runtimeHandlers": Field(
                Array(Ref(CORE + "NodeRuntimeHandler"), list_type="atomic"),
                "The handlers (RuntimeClasses) the container runtime offers, with their features.",
                proto=12,
            ),
            "features": Field(
                Ref(CORE + "NodeFeatures"),
                "Optional features the node implements.",
                proto=13,
            ),
        },
        "What the kubelet last reported about its node: resources, conditions, addresses and "
        "software.",
    ),
    CORE + "NodeCondition": Struct(
        {
            "type": Field(
                "string",
                "The aspect reported: Ready, MemoryPressure, DiskPressure, PIDPressure or "
                "NetworkUnavailable.",
                proto=1,
            ),
            "status": Field("string", "True, False or Unknown.", proto=2),
            "lastHeartbeatTime": Field(
                TIME, "When the kubelet last confirmed the condition.", proto=3
            ),
            "lastTransitionTime": Field(TIME, "When the status last changed.", proto=4),
            "reason": Field("string", "A CamelCase word for why the status last changed.", proto=5),
            "message": Field("string", "A human-readable explanation of the status.", proto=6),
        },
        "One aspect of a node's state.",
    ),
    CORE + "NodeAddress": Struct(
        {
            "type": Field(
                "string",
                "The kind of address: Hostname, InternalIP, ExternalIP, InternalDNS or "
                "ExternalDNS.",
                proto=1,
            ),
            "address": Field("string", "The address itself.", proto=2),
        },
        "One address of a node.",
    ),
    CORE + "NodeDaemonEndpoints": Struct(
        {
            "kubeletEndpoint": Field(
                Ref(CORE + "DaemonEndpoint"),
                "Where the kubelet serves its API (logs, exec, metrics).",
                proto=1,
            ),
        },
        "The ports of the daemons running on a node.",
    ),
    CORE + "DaemonEndpoint": Struct(
        {"Port": Field("integer", "The port the daemon listens on.", proto=1)},
        "Where a daemon on the node listens.",
    ),
    CORE + "NodeSystemInfo": Struct(
        {
            "machineID": Field(
                "string",
                "The machine ID (`/etc/machine-id`); the preferred unique machine identity.",
                proto=1,
            ),
            "systemUUID": Field("string", "The system UUID reported by the firmware.", proto=2),
            "bootID": Field(
                "string", "The ID of the current boot; changes on every reboot.", proto=3
            ),
            "kernelVersion": Field(
                "string", "The kernel version, as `uname -r` prints it.", proto=4
            ),
            "osImage": Field(
                "string",
                "The operating system's name from `/etc/os-release`, such as `Debian GNU/Linux "
                "12 (bookworm)`.",
                proto=5,
            ),
            "containerRuntimeVersion": Field(
                "string",
                "The container runtime and its version, as `<runtime>://<version>`.",
                proto=6,
            ),
            "kubeletVersion": Field("string", "The kubelet's version.", proto=7),
            "kubeProxyVersion": Field(
                "string",
                "Deprecated: the proxy's version, not reliably reported.",
                proto=8,
            ),
            "operatingSystem": Field("string", "The operating system, such as `linux`.", proto=9),
            "architecture": Field("string", "The CPU architecture, such as `amd64`.", proto=10),
        },
        "What identifies a node's machine and the versions of its software.",
    ),
    CORE + "ContainerImage": Struct(
        {
            "names": Field(
                _ATOMIC_STRINGS,
                "The names the image is known by (tags and digests), such as `app:v1` and "
                "`app@sha256:...`.",
                proto=1,
            ),
            "sizeBytes": Field("integer", "The image's size in bytes.", proto=2),
        },
        "A container image present on a node.",
    ),
    CORE + "AttachedVolume": Struct(
        {
            "name": Field("string", "The unique name of the volume.", proto=1),
            "devicePath": Field(
                "string",
                "Where on the node the volume's device should appear.",
                proto=2,
            ),
        },
        "A volume attached to a node.",
    ),
    CORE + "NodeConfigStatus": Struct(
        {
            "assigned": Field(
                _CONFIG_SOURCE, "The configuration the node was told to use.", proto=1
            ),
            "active": Field(_CONFIG_SOURCE, "The configuration the node runs with.", proto=2),
            "lastKnownGood": Field(
                _CONFIG_SOURCE,
                "The configuration the node falls back to when the assigned one fails.",
                proto=3,
            ),
            "error": Field("string", "Why the assigned configuration could not be used.", proto=4),
        },
        "Deprecated: the kubelet configuration a node was assigned, runs with and falls back to.",
    ),
    CORE + "NodeRuntimeHandler": Struct(
        {
            "name": Field("string", "The handler's name; empty for the default one.", proto=1),
            "features": Field(
                Ref(CORE + "NodeRuntimeHandlerFeatures"),
                "The optional features the handler supports.",
                proto=2,
            ),
        },
        "A runtime handler of the node's container runtime.",
    ),
    CORE + "NodeRuntimeHandlerFeatures": Struct(
        {
            "recursiveReadOnlyMounts": Field(
                "boolean",
                "Whether read-only mounts can be made read-only recursively.",
                proto=1,
                keep_zero=True,
            ),
            "userNamespaces": Field(
                "boolean",
                "Whether pods can run in their own user namespace.",
                proto=2,
                keep_zero=True,
            ),
        },
        "The optional features of a runtime handler.",
    ),
    CORE + "NodeFeatures": Struct(
        {
            "supplementalGroupsPolicy": Field(
                "boolean",
                "Whether the node honours a pod's `securityContext.supplementalGroupsPolicy`.",
                proto=1,
                keep_zero=True,
            ),
        },
        "Optional features, each true when the node supports it.",
    ),
}


# --------------------------------------------------------------------------- validation


def _validate_taints(spec: Obj, errs: Errs) -> None:
    seen: set[tuple[str, str]] = set()
    for path, taint in items_of(spec, "taints", "spec", errs):
        key = required_str(taint, "key", path, errs)
        if key:
            check(errs, f"{path}.key", key, qualified_name_errors(key))
        value = str_field(taint, "value", path, errs)
        if value:
            check(errs, f"{path}.value", value, label_value_errors(value))
        effect = required_str(taint, "effect", path, errs)
        if effect and effect not in validation.TAINT_EFFECTS:
            errs.append(not_supported(f"{path}.effect", effect, validation.TAINT_EFFECTS))
        if key and effect:
            if (key, effect) in seen:
                errs.append(duplicate(f"{path}.effect", effect))
            seen.add((key, effect))


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    cidr = str_field(spec, "podCIDR", "spec", errs)
    if cidr and cidr_error(cidr):
        errs.append(invalid("spec.podCIDR", cidr, CIDR_EXAMPLE))
    cidrs = string_list(spec, "podCIDRs", "spec", errs)
    for i, value in enumerate(cidrs):
        if cidr_error(value):
            errs.append(invalid(f"spec.podCIDRs[{i}]", value, CIDR_EXAMPLE))
    if len(cidrs) > 2:
        errs.append(too_long("spec.podCIDRs", cidrs, 2))
    _validate_taints(spec, errs)
    bool_field(spec, "unschedulable", "spec", errs)
    str_field(spec, "providerID", "spec", errs)


# --------------------------------------------------------------------------- defaults


def _default(obj: Obj) -> None:
    child(obj, "spec")
    status = child(obj, "status", create=False)
    if status is not None and isinstance(status.get("capacity"), dict):
        set_default(status, "allocatable", copy.deepcopy(status["capacity"]))


# --------------------------------------------------------------------------- table

_ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


def _roles(obj: Obj) -> str:
    roles = set()
    for key, value in as_dict(at(obj, "metadata", "labels")).items():
        if key.startswith(_ROLE_LABEL_PREFIX) and key[len(_ROLE_LABEL_PREFIX) :]:
            roles.add(key[len(_ROLE_LABEL_PREFIX) :])
        elif key == _ROLE_LABEL and text(value):
            roles.add(text(value))
    return ",".join(sorted(roles)) or "<none>"


def _status(obj: Obj) -> str:
    states = []
    for condition in dicts(at(obj, "status", "conditions")):
        if condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    if not states:
        states = ["Unknown"]
    if at(obj, "spec", "unschedulable") is True:
        states.append("SchedulingDisabled")
    return ",".join(states)


def _address(obj: Obj, type_: str) -> str:
    for address in dicts(at(obj, "status", "addresses")):
        if address.get("type") == type_:
            return text(address.get("address"))
    return "<none>"


def _row(obj: Obj, now: datetime) -> Cells:
    info = as_dict(at(obj, "status", "nodeInfo"))
    return [
        name_of(obj),
        _status(obj),
        _roles(obj),
        age(obj, now),
        text(info.get("kubeletVersion")),
        _address(obj, "InternalIP"),
        _address(obj, "ExternalIP"),
        text(info.get("osImage")) or "<unknown>",
        text(info.get("kernelVersion")) or "<unknown>",
        text(info.get("containerRuntimeVersion")) or "<unknown>",
    ]


_COLUMNS = (
    NAME,
    column("Status", "The status of the node"),
    column("Roles", "The roles of the node"),
    AGE,
    column("Version", "Kubelet version reported by the node."),
    column("Internal-IP", "The node's InternalIP address.", priority=1),
    column("External-IP", "The node's ExternalIP address.", priority=1),
    column("OS-Image", "OS image reported by the node.", priority=1),
    column("Kernel-Version", "Kernel version reported by the node.", priority=1),
    column("Container-Runtime", "Container runtime version reported by the node.", priority=1),
)


# --------------------------------------------------------------------------- the kind


NODE = ResourceInfo(
    "",
    "v1",
    "Node",
    "nodes",
    "node",
    False,
    ("no",),
    ("status",),
    schema=KindSchema(
        "Node is a machine (physical or virtual) that runs pods; its kubelet registers it and "
        "reports its state. Node names are unique in the cluster.",
        {
            "spec": Field(
                Ref(CORE + "NodeSpec"),
                "The desired state of the node: its pod IP ranges, taints and whether it takes "
                "new pods.",
                proto=2,
            ),
            "status": Field(
                Ref(CORE + "NodeStatus"),
                "The observed state of the node, reported by its kubelet.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={
        "spec.unschedulable": ("spec.unschedulable", "false"),
    },
    strategy=Strategy(
        default=_default,
        validate=_validate,
    ),
)
