"""The pod spec and the pod template: the rules a Pod shares with every kind that runs pods.

A Pod validates its `spec` here, and a workload (Deployment, ReplicaSet, DaemonSet,
StatefulSet) or a Job validates and defaults its `spec.template` here, so a container,
volume or toleration is held to the same rules wherever it appears and errors name the
field where it sits (`spec.template.spec.containers[0].image`). Only the restart policy
differs: workloads allow `Always` alone, Jobs `OnFailure` or `Never` and require one (so
their templates get no default). An init container with `restartPolicy: Always` is a
sidecar: only such init containers may carry probes and lifecycle hooks. A volume must
have exactly one of the sources Kubernetes knows, but only those this cluster mounts
(hostPath, emptyDir, configMap, secret, persistentVolumeClaim) are checked in depth. Host
ports are unique per protocol and host IP across all containers. Defaulting never repairs
a field of the wrong type: validation reports it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from minik8s.api import validation
from minik8s.api.defaults import child, dicts_at, set_default
from minik8s.api.errors import (
    NOT_FOUND,
    Cause,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
)
from minik8s.api.kind import Errs, Obj
from minik8s.api.names import (
    ENV_VAR_MSG,
    ENV_VAR_RE,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    label_value_errors,
    port_name_errors,
    qualified_name_errors,
)
from minik8s.api.validation import (
    NODE_SELECTOR_OPERATORS,
    PORT_RANGE,
    as_object,
    at_least,
    bool_field,
    check,
    int_field,
    int_or_name_port,
    ip_error,
    items_of,
    non_negative,
    one_of,
    port_number,
    quantity,
    required_str,
    selector_matches,
    str_field,
    string_list,
    validate_label_selector,
    validate_labels,
    validate_requirement,
)

__all__ = [
    "check_template_matches",
    "default_pod_spec",
    "default_template",
    "validate_pod_spec",
    "validate_template",
]

# --------------------------------------------------------------------------- containers

_PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
_MESSAGE_POLICIES = ["FallbackToLogsOnError", "File"]
_ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
_ENV_FIELD_PATHS = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
]
_ENV_RESOURCES = [
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
]
_SUBSCRIPT_FIELD_RE = re.compile(r"metadata\.(labels|annotations)\['[^']+'\]")
_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_HOOK_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")


VOLUME_SOURCES = (  # every VolumeSource member of a Kubernetes Volume
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)
HOST_PATH_TYPES = [
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
]


def _validate_ports(container: Obj, path: str, errs: Errs, host_ports: set[str]) -> None:
    names: set[str] = set()
    for port_path, port in items_of(container, "ports", path, errs):
        if port.get("containerPort") is None:
            errs.append(required(f"{port_path}.containerPort"))
        else:
            port_number(port["containerPort"], f"{port_path}.containerPort", errs)
        host_port = int_field(port, "hostPort", port_path, errs)
        if host_port is not None and not 0 <= host_port <= 65535:
            errs.append(invalid(f"{port_path}.hostPort", host_port, PORT_RANGE))
        protocol = one_of(port, "protocol", port_path, errs, validation.PROTOCOLS) or "TCP"
        str_field(port, "hostIP", port_path, errs)
        if host_port:
            key = f"{protocol}/{port.get('hostIP') or ''}/{host_port}"
            if key in host_ports:
                errs.append(duplicate(f"{port_path}.hostPort", key))
            host_ports.add(key)
        name = str_field(port, "name", port_path, errs)
        if name:
            check(errs, f"{port_path}.name", name, port_name_errors(name))
            if name in names:
                errs.append(duplicate(f"{port_path}.name", name))
            names.add(name)


def _validate_env_source(value_from: Obj, path: str, errs: Errs) -> None:
    field_ref = value_from.get("fieldRef")
    if field_ref is not None:
        ref_path = f"{path}.fieldRef"
        field_path = required_str(as_object(field_ref, ref_path, errs), "fieldPath", ref_path, errs)
        if (
            field_path
            and field_path not in _ENV_FIELD_PATHS
            and not _SUBSCRIPT_FIELD_RE.fullmatch(field_path)
        ):
            errs.append(not_supported(f"{ref_path}.fieldPath", field_path, _ENV_FIELD_PATHS))
    resource_ref = value_from.get("resourceFieldRef")
    if resource_ref is not None:
        ref_path = f"{path}.resourceFieldRef"
        ref = as_object(resource_ref, ref_path, errs)
        if required_str(ref, "resource", ref_path, errs):
            one_of(ref, "resource", ref_path, errs, _ENV_RESOURCES)
    for key in ("configMapKeyRef", "secretKeyRef"):
        if value_from.get(key) is not None:
            ref_path = f"{path}.{key}"
            ref = as_object(value_from[key], ref_path, errs)
            required_str(ref, "key", ref_path, errs)
            str_field(ref, "name", ref_path, errs)


def _validate_env(container: Obj, path: str, errs: Errs) -> None:
    for env_path, env in items_of(container, "env", path, errs):
        name = required_str(env, "name", env_path, errs)
        if name and not ENV_VAR_RE.fullmatch(name):
            errs.append(invalid(f"{env_path}.name", name, ENV_VAR_MSG))
        value = str_field(env, "value", env_path, errs)
        if env.get("valueFrom") is None:
            continue
        from_path = f"{env_path}.valueFrom"
        value_from = as_object(env["valueFrom"], from_path, errs)
        sources = [k for k in _ENV_SOURCES if value_from.get(k) is not None]
        if not sources:
            errs.append(
                required(
                    from_path,
                    "must specify one of: `fieldRef`, `resourceFieldRef`, "
                    "`configMapKeyRef` or `secretKeyRef`",
                )
            )
        elif len(sources) > 1:
            errs.append(
                invalid(from_path, "", "may not have more than one field specified at a time")
            )
        if value:
            errs.append(invalid(from_path, "", "may not be specified when `value` is not empty"))
        _validate_env_source(value_from, from_path, errs)
    for from_path, source in items_of(container, "envFrom", path, errs):
        refs = [k for k in ("configMapRef", "secretRef") if source.get(k) is not None]
        if len(refs) != 1:
            errs.append(
                invalid(from_path, "", "may not have more than one field specified at a time")
                if refs
                else required(from_path, "must specify one of: `configMapRef` or `secretRef`")
            )
        prefix = str_field(source, "prefix", from_path, errs)
        if prefix and not ENV_VAR_RE.fullmatch(prefix):
            errs.append(invalid(f"{from_path}.prefix", prefix, ENV_VAR_MSG))


def _parse_amounts(block: Any, path: str, errs: Errs) -> dict[str, tuple[Any, Decimal]]:
    """The quantities of a requests/limits map, each checked; bad ones are left out."""
    amounts: dict[str, tuple[Any, Decimal]] = {}
    for name, value in as_object(block, path, errs).items():
        field_path = f"{path}[{name}]"
        check(errs, field_path, name, qualified_name_errors(name))
        amount = quantity(value, field_path, errs)
        if amount is not None:
            amounts[name] = (value, amount)
    return amounts


def _validate_resources(value: Any, path: str, errs: Errs) -> None:
    resources = as_object(value, path, errs)
    limits = _parse_amounts(resources.get("limits"), f"{path}.limits", errs)
    requests = _parse_amounts(resources.get("requests"), f"{path}.requests", errs)
    for name, (raw, amount) in requests.items():
        if name in limits and amount > limits[name][1]:
            errs.append(
                invalid(
                    f"{path}.requests[{name}]",
                    raw,
                    f"must be less than or equal to {name} limit of {limits[name][0]}",
                )
            )


def _validate_volume_mounts(container: Obj, path: str, errs: Errs, volumes: set[str]) -> None:
    mount_paths: set[str] = set()
    for mount_path, mount in items_of(container, "volumeMounts", path, errs):
        name = required_str(mount, "name", mount_path, errs)
        if name and name not in volumes:
            errs.append(Cause(f"{mount_path}.name", f'Not found: "{name}"', NOT_FOUND))
        target = required_str(mount, "mountPath", mount_path, errs)
        if target:
            if target in mount_paths:
                errs.append(invalid(f"{mount_path}.mountPath", target, "must be unique"))
            mount_paths.add(target)
        sub_path = str_field(mount, "subPath", mount_path, errs)
        if sub_path and sub_path.startswith("/"):
            errs.append(invalid(f"{mount_path}.subPath", sub_path, "must be a relative path"))
        elif sub_path and ".." in sub_path.split("/"):
            errs.append(invalid(f"{mount_path}.subPath", sub_path, "must not contain '..'"))
        bool_field(mount, "readOnly", mount_path, errs)


def _validate_handler(value: Any, path: str, errs: Errs, handlers: tuple[str, ...]) -> None:
    """A probe or lifecycle hook: exactly one handler, and that handler well-formed."""
    handler = as_object(value, path, errs)
    present = [k for k in handlers if handler.get(k) is not None]
    if not present:
        errs.append(required(path, "must specify a handler type"))
    for extra in present[1:]:
        errs.append(forbidden(f"{path}.{extra}", "may not specify more than 1 handler type"))
    if handler.get("exec") is not None:
        exec_action = as_object(handler["exec"], f"{path}.exec", errs)
        if not string_list(exec_action, "command", f"{path}.exec", errs):
            errs.append(required(f"{path}.exec.command"))
    for key in ("httpGet", "tcpSocket"):
        if handler.get(key) is not None:
            action = as_object(handler[key], f"{path}.{key}", errs)
            int_or_name_port(action.get("port"), f"{path}.{key}.port", errs)
    if handler.get("httpGet") is not None:
        http_get = as_object(handler["httpGet"], f"{path}.httpGet", errs)
        one_of(http_get, "scheme", f"{path}.httpGet", errs, ["HTTP", "HTTPS"])
        str_field(http_get, "path", f"{path}.httpGet", errs)
        for header_path, header in items_of(http_get, "httpHeaders", f"{path}.httpGet", errs):
            required_str(header, "name", header_path, errs)
    if handler.get("grpc") is not None:
        grpc = as_object(handler["grpc"], f"{path}.grpc", errs)
        port_number(grpc.get("port"), f"{path}.grpc.port", errs)
    if handler.get("sleep") is not None:
        sleep = as_object(handler["sleep"], f"{path}.sleep", errs)
        non_negative(sleep, "seconds", f"{path}.sleep", errs)


def _validate_probe(value: Any, path: str, errs: Errs, *, single_success: bool) -> None:
    _validate_handler(value, path, errs, _PROBE_HANDLERS)
    probe = as_object(value, path, errs)
    non_negative(probe, "initialDelaySeconds", path, errs)
    for key in ("timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        at_least(probe, key, path, errs, 1)
    at_least(probe, "terminationGracePeriodSeconds", path, errs, 1)
    success = probe.get("successThreshold")
    if single_success and isinstance(success, int) and success > 1:
        errs.append(invalid(f"{path}.successThreshold", success, "must be 1"))


def _validate_probes_and_hooks(container: Obj, path: str, errs: Errs, *, init: bool) -> None:
    sidecar = container.get("restartPolicy") == "Always"
    keys = ("livenessProbe", "readinessProbe", "startupProbe", "lifecycle")
    for key in keys:
        if container.get(key) is None:
            continue
        if init and not sidecar:
            errs.append(
                forbidden(
                    f"{path}.{key}",
                    "may not be set for init containers without restartPolicy=Always",
                )
            )
            continue
        if key == "lifecycle":
            lifecycle = as_object(container[key], f"{path}.lifecycle", errs)
            for hook in ("postStart", "preStop"):
                if lifecycle.get(hook) is not None:
                    _validate_handler(
                        lifecycle[hook], f"{path}.lifecycle.{hook}", errs, _HOOK_HANDLERS
                    )
        else:
            single = key != "readinessProbe"
            _validate_probe(container[key], f"{path}.{key}", errs, single_success=single)


def _validate_container(
    container: Obj, path: str, errs: Errs, volumes: set[str], host_ports: set[str], *, init: bool
) -> None:
    name = required_str(container, "name", path, errs)
    if name:
        check(errs, f"{path}.name", name, dns1123_label_errors(name))
    image = required_str(container, "image", path, errs)
    if image and image != image.strip():
        errs.append(invalid(f"{path}.image", image, "must not have leading or trailing whitespace"))
    one_of(container, "imagePullPolicy", path, errs, _PULL_POLICIES)
    one_of(container, "terminationMessagePolicy", path, errs, _MESSAGE_POLICIES)
    str_field(container, "terminationMessagePath", path, errs)
    str_field(container, "workingDir", path, errs)
    string_list(container, "command", path, errs)
    string_list(container, "args", path, errs)
    for key in ("stdin", "stdinOnce", "tty"):
        bool_field(container, key, path, errs)
    if init:
        one_of(container, "restartPolicy", path, errs, ["Always"])
    elif container.get("restartPolicy") is not None:
        errs.append(forbidden(f"{path}.restartPolicy", "may not be set for non-init containers"))
    _validate_ports(container, path, errs, host_ports)
    _validate_env(container, path, errs)
    _validate_resources(container.get("resources"), f"{path}.resources", errs)
    _validate_volume_mounts(container, path, errs, volumes)
    _validate_probes_and_hooks(container, path, errs, init=init)
    as_object(container.get("securityContext"), f"{path}.securityContext", errs)


# --------------------------------------------------------------------------- volumes


def _validate_key_to_path_items(source: Obj, path: str, errs: Errs) -> None:
    for item_path, item in items_of(source, "items", path, errs):
        required_str(item, "key", item_path, errs)
        target = required_str(item, "path", item_path, errs)
        if target and (target.startswith("/") or ".." in target.split("/")):
            errs.append(
                invalid(f"{item_path}.path", target, "must be a relative path without '..'")
            )


def _validate_volume_source(volume: Obj, source_key: str, path: str, errs: Errs) -> None:
    source_path = f"{path}.{source_key}"
    source = as_object(volume[source_key], source_path, errs)
    if source_key == "hostPath":
        required_str(source, "path", source_path, errs)
        one_of(source, "type", source_path, errs, HOST_PATH_TYPES)
    elif source_key == "persistentVolumeClaim":
        required_str(source, "claimName", source_path, errs)
    elif source_key == "emptyDir" and source.get("sizeLimit") is not None:
        quantity(source["sizeLimit"], f"{source_path}.sizeLimit", errs)
    elif source_key in ("configMap", "secret"):
        mode = int_field(source, "defaultMode", source_path, errs)
        if mode is not None and not 0 <= mode <= 0o777:
            errs.append(
                invalid(
                    f"{source_path}.defaultMode",
                    mode,
                    "must be a number between 0 and 0777 (octal), both inclusive",
                )
            )
        _validate_key_to_path_items(source, source_path, errs)


def _validate_volumes(spec: Obj, path: str, errs: Errs) -> set[str]:
    """Volume names (unique DNS labels) with exactly one source each; returns the names."""
    names: set[str] = set()
    for volume_path, volume in items_of(spec, "volumes", path, errs):
        name = required_str(volume, "name", volume_path, errs)
        if name:
            check(errs, f"{volume_path}.name", name, dns1123_label_errors(name))
            if name in names:
                errs.append(duplicate(f"{volume_path}.name", name))
            names.add(name)
        sources = [k for k in VOLUME_SOURCES if volume.get(k) is not None]
        if not sources:
            errs.append(required(volume_path, "must specify a volume type"))
        for extra in sources[1:]:
            errs.append(
                forbidden(f"{volume_path}.{extra}", "may not specify more than 1 volume type")
            )
        if sources:
            _validate_volume_source(volume, sources[0], volume_path, errs)
    return names


# --------------------------------------------------------------------------- scheduling

_TOLERATION_OPERATORS = ["Equal", "Exists"]


def _validate_tolerations(spec: Obj, path: str, errs: Errs) -> None:
    for tol_path, toleration in items_of(spec, "tolerations", path, errs):
        key = str_field(toleration, "key", tol_path, errs)
        if key:
            check(errs, f"{tol_path}.key", key, qualified_name_errors(key))
        operator = str_field(toleration, "operator", tol_path, errs) or "Equal"
        if operator not in _TOLERATION_OPERATORS:
            errs.append(not_supported(f"{tol_path}.operator", operator, _TOLERATION_OPERATORS))
        elif not key and operator != "Exists":
            errs.append(
                invalid(
                    f"{tol_path}.operator",
                    operator,
                    "operator must be Exists when `key` "
                    'is empty, which means "match all values and all keys"',
                )
            )
        value = str_field(toleration, "value", tol_path, errs)
        if value and operator == "Exists":
            errs.append(
                invalid(
                    f"{tol_path}.operator", value, "value must be empty when `operator` is 'Exists'"
                )
            )
        elif value:
            check(errs, f"{tol_path}.value", value, label_value_errors(value))
        effect = str_field(toleration, "effect", tol_path, errs)
        if effect and effect not in validation.TAINT_EFFECTS:
            errs.append(not_supported(f"{tol_path}.effect", effect, validation.TAINT_EFFECTS))
        seconds = int_field(toleration, "tolerationSeconds", tol_path, errs)
        if seconds is not None and effect != "NoExecute":
            errs.append(
                invalid(
                    f"{tol_path}.effect",
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )


def _validate_node_selector_term(value: Any, path: str, errs: Errs) -> None:
    term = as_object(value, path, errs)
    for key in ("matchExpressions", "matchFields"):
        for expr_path, expr in items_of(term, key, path, errs):
            validate_requirement(expr, expr_path, errs, NODE_SELECTOR_OPERATORS)


def _validate_weight(term: Obj, path: str, errs: Errs) -> None:
    weight = int_field(term, "weight", path, errs)
    if weight is None and term.get("weight") is None:
        errs.append(required(f"{path}.weight"))
    elif weight is not None and not 1 <= weight <= 100:
        errs.append(invalid(f"{path}.weight", weight, "must be in the range 1-100"))


def _validate_node_affinity(value: Any, path: str, errs: Errs) -> None:
    affinity = as_object(value, path, errs)
    req_key = "requiredDuringSchedulingIgnoredDuringExecution"
    if affinity.get(req_key) is not None:
        req_path = f"{path}.{req_key}"
        selector = as_object(affinity[req_key], req_path, errs)
        if not selector.get("nodeSelectorTerms"):
            errs.append(
                required(
                    f"{req_path}.nodeSelectorTerms", "must have at least one node selector term"
                )
            )
        for term_path, term in items_of(selector, "nodeSelectorTerms", req_path, errs):
            _validate_node_selector_term(term, term_path, errs)
    pref_key = "preferredDuringSchedulingIgnoredDuringExecution"
    for term_path, term in items_of(affinity, pref_key, path, errs):
        _validate_weight(term, term_path, errs)
        if term.get("preference") is None:
            errs.append(required(f"{term_path}.preference"))
        _validate_node_selector_term(term.get("preference"), f"{term_path}.preference", errs)


def _validate_pod_affinity_term(term: Obj, path: str, errs: Errs) -> None:
    if term.get("labelSelector") is not None:
        validate_label_selector(term["labelSelector"], f"{path}.labelSelector", errs)
    if term.get("namespaceSelector") is not None:
        validate_label_selector(term["namespaceSelector"], f"{path}.namespaceSelector", errs)
    for i, namespace in enumerate(string_list(term, "namespaces", path, errs)):
        check(errs, f"{path}.namespaces[{i}]", namespace, dns1123_label_errors(namespace))
    key = required_str(term, "topologyKey", path, errs, "can not be empty")
    if key:
        check(errs, f"{path}.topologyKey", key, qualified_name_errors(key))


def _validate_pod_affinity(value: Any, path: str, errs: Errs) -> None:
    affinity = as_object(value, path, errs)
    req_key = "requiredDuringSchedulingIgnoredDuringExecution"
    for term_path, term in items_of(affinity, req_key, path, errs):
        _validate_pod_affinity_term(term, term_path, errs)
    pref_key = "preferredDuringSchedulingIgnoredDuringExecution"
    for term_path, term in items_of(affinity, pref_key, path, errs):
        _validate_weight(term, term_path, errs)
        sub_path = f"{term_path}.podAffinityTerm"
        if term.get("podAffinityTerm") is None:
            errs.append(required(sub_path))
        _validate_pod_affinity_term(
            as_object(term.get("podAffinityTerm"), sub_path, errs), sub_path, errs
        )


def _validate_affinity(value: Any, path: str, errs: Errs) -> None:
    affinity = as_object(value, path, errs)
    if affinity.get("nodeAffinity") is not None:
        _validate_node_affinity(affinity["nodeAffinity"], f"{path}.nodeAffinity", errs)
    for key in ("podAffinity", "podAntiAffinity"):
        if affinity.get(key) is not None:
            _validate_pod_affinity(affinity[key], f"{path}.{key}", errs)


# --------------------------------------------------------------------------- pod spec

_RESTART_POLICIES = ["Always", "OnFailure", "Never"]
_DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]


def _validate_containers(spec: Obj, path: str, errs: Errs, volumes: set[str]) -> None:
    if not spec.get("containers"):
        errs.append(required(f"{path}.containers"))
    names: set[str] = set()
    host_ports: set[str] = set()
    for key in ("initContainers", "containers"):
        for container_path, container in items_of(spec, key, path, errs):
            init = key == "initContainers"
            _validate_container(container, container_path, errs, volumes, host_ports, init=init)
            name = container.get("name")
            if isinstance(name, str) and name:
                if name in names:
                    errs.append(duplicate(f"{container_path}.name", name))
                names.add(name)


def _validate_restart_policy(
    spec: Obj, path: str, errs: Errs, allowed: list[str], must_be_set: bool
) -> None:
    if spec.get("restartPolicy") in (None, ""):
        if must_be_set:
            shown = ", ".join(f'"{a}"' for a in allowed)
            errs.append(required(f"{path}.restartPolicy", f"valid values: {shown}"))
        return
    one_of(spec, "restartPolicy", path, errs, allowed)


def _validate_pod_spec_names(spec: Obj, path: str, errs: Errs) -> None:
    for key in ("nodeName", "serviceAccountName", "serviceAccount"):
        value = str_field(spec, key, path, errs)
        if value:
            check(errs, f"{path}.{key}", value, dns1123_subdomain_errors(value))
    for key in ("hostname", "subdomain"):
        value = str_field(spec, key, path, errs)
        if value:
            check(errs, f"{path}.{key}", value, dns1123_label_errors(value))
    for key in ("schedulerName", "priorityClassName", "runtimeClassName"):
        str_field(spec, key, path, errs)
    for secret_path, secret in items_of(spec, "imagePullSecrets", path, errs):
        str_field(secret, "name", secret_path, errs)
    for alias_path, alias in items_of(spec, "hostAliases", path, errs):
        ip = required_str(alias, "ip", alias_path, errs)
        error = ip_error(ip) if ip else None
        if ip and error:
            errs.append(invalid(f"{alias_path}.ip", ip, error))


def validate_pod_spec(
    value: Any,
    path: str,
    errs: Errs,
    *,
    restart: list[str] = _RESTART_POLICIES,
    restart_required: bool = False,
) -> None:
    """A PodSpec at `path` (`spec` for a Pod, `spec.template.spec` in a workload).

    `restart` lists the allowed `restartPolicy` values; `restart_required` makes the
    field mandatory (Jobs).
    """
    spec = as_object(value, path, errs)
    volumes = _validate_volumes(spec, path, errs)
    _validate_containers(spec, path, errs, volumes)
    _validate_restart_policy(spec, path, errs, restart, restart_required)
    dns_policy = one_of(spec, "dnsPolicy", path, errs, _DNS_POLICIES)
    if dns_policy == "None" and spec.get("dnsConfig") is None:
        errs.append(
            required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None")
        )
    as_object(spec.get("dnsConfig"), f"{path}.dnsConfig", errs)
    non_negative(spec, "terminationGracePeriodSeconds", path, errs)
    at_least(spec, "activeDeadlineSeconds", path, errs, 1)
    int_field(spec, "priority", path, errs)
    for key in (
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "enableServiceLinks",
        "automountServiceAccountToken",
        "shareProcessNamespace",
    ):
        bool_field(spec, key, path, errs)
    errs.extend(validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector"))
    _validate_pod_spec_names(spec, path, errs)
    _validate_tolerations(spec, path, errs)
    if spec.get("affinity") is not None:
        _validate_affinity(spec["affinity"], f"{path}.affinity", errs)
    as_object(spec.get("securityContext"), f"{path}.securityContext", errs)


# --------------------------------------------------------------------------- pod templates


def validate_template(
    value: Any,
    path: str,
    errs: Errs,
    *,
    restart: list[str],
    restart_required: bool = False,
) -> Obj | None:
    """A PodTemplateSpec at `path`; returns its labels when they are a well-formed map
    (`{}` when it has none), None when they are missing or invalid."""
    if value is None:
        errs.append(required(path))
        return None
    template = as_object(value, path, errs)
    meta = as_object(template.get("metadata"), f"{path}.metadata", errs)
    label_errors = validate_labels(meta.get("labels"), f"{path}.metadata.labels")
    errs.extend(label_errors)
    validation.validate_annotations(meta.get("annotations"), f"{path}.metadata.annotations", errs)
    validate_pod_spec(
        template.get("spec"),
        f"{path}.spec",
        errs,
        restart=restart,
        restart_required=restart_required,
    )
    labels = meta.get("labels")
    if labels is None:
        return {}
    return labels if isinstance(labels, dict) and not label_errors else None


def check_template_matches(selector: Obj | None, labels: Obj | None, path: str, errs: Errs) -> None:
    """The `selector` must select the template's `labels`; nothing to check when either is
    None (already reported as invalid)."""
    if selector is None or labels is None:
        return
    if not selector_matches(selector, labels):
        errs.append(
            invalid(
                f"{path}.metadata.labels", labels, "`selector` does not match template `labels`"
            )
        )


# --------------------------------------------------------------------------- defaults


def _image_pull_policy(image: Any) -> str:
    """`Always` for `:latest` or an untagged image, `IfNotPresent` for a tag or a digest."""
    if not isinstance(image, str) or "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]  # a registry host may carry a port: "reg:5000/app"
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def _default_probe(probe: Obj) -> None:
    set_default(probe, "timeoutSeconds", 1)
    set_default(probe, "periodSeconds", 10)
    set_default(probe, "successThreshold", 1)
    set_default(probe, "failureThreshold", 3)
    http_get = child(probe, "httpGet", create=False)
    if http_get is not None:
        set_default(http_get, "scheme", "HTTP")


def _default_lifecycle(container: Obj) -> None:
    lifecycle = child(container, "lifecycle", create=False)
    if lifecycle is None:
        return
    for hook in ("postStart", "preStop"):
        handler = child(lifecycle, hook, create=False)
        http_get = child(handler, "httpGet", create=False) if handler is not None else None
        if http_get is not None:
            set_default(http_get, "scheme", "HTTP")


def _default_container(container: Obj) -> None:
    if container.get("image") is not None:
        set_default(container, "imagePullPolicy", _image_pull_policy(container.get("image")))
    set_default(container, "terminationMessagePath", "/dev/termination-log")
    set_default(container, "terminationMessagePolicy", "File")
    set_default(container, "resources", {})
    for port in dicts_at(container, "ports"):
        set_default(port, "protocol", "TCP")
    for env in dicts_at(container, "env"):
        value_from = child(env, "valueFrom", create=False)
        field_ref = child(value_from, "fieldRef", create=False) if value_from else None
        if field_ref is not None:
            set_default(field_ref, "apiVersion", "v1")
    for probe_key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = child(container, probe_key, create=False)
        if probe is not None:
            _default_probe(probe)
    _default_lifecycle(container)


_VOLUME_MODE_SOURCES = ("configMap", "secret", "downwardAPI", "projected")


def _default_volume(volume: Obj) -> None:
    for source_key in _VOLUME_MODE_SOURCES:
        source = child(volume, source_key, create=False)
        if source is not None:
            set_default(source, "defaultMode", 0o644)
    host_path = child(volume, "hostPath", create=False)
    if host_path is not None:
        set_default(host_path, "type", "")


def default_pod_spec(spec: Obj, *, restart_policy: str | None = "Always") -> None:
    """PodSpec defaults, shared by Pods and every pod template.

    `restart_policy` is None for Job templates: Kubernetes makes the user choose
    OnFailure or Never there, and validation reports a missing one.
    """
    if restart_policy is not None:
        set_default(spec, "restartPolicy", restart_policy)
    set_default(spec, "dnsPolicy", "ClusterFirst")
    set_default(spec, "schedulerName", "default-scheduler")
    set_default(spec, "terminationGracePeriodSeconds", 30)
    set_default(spec, "securityContext", {})
    set_default(spec, "enableServiceLinks", True)
    for key in ("containers", "initContainers"):
        for container in dicts_at(spec, key):
            _default_container(container)
    for volume in dicts_at(spec, "volumes"):
        _default_volume(volume)


def default_template(parent: Obj, *, restart_policy: str | None = "Always") -> None:
    """Kubernetes' defaults for `parent["template"]` (a PodTemplateSpec), in place; a
    missing template stays missing (validation reports it)."""
    template = child(parent, "template", create=False)
    if template is None:
        return
    spec = child(template, "spec")
    if spec is not None:
        default_pod_spec(spec, restart_policy=restart_policy)
