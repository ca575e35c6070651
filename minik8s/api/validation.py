"""Server-side validation: every field error of an object, as Kubernetes reports them.

The API server answers a bad manifest with 422 Invalid and one `Cause` per broken field
(`spec.template.spec.containers[0].image: Required value`), so users fix everything in one
round trip and tools that parse `details.causes[].field` keep working. Validation
therefore collects errors instead of stopping at the first, names fields in Kubernetes'
notation, and words its messages the way Kubernetes does.

Input comes straight from clients, so nothing here trusts a type: a field of the wrong JSON
type becomes a Cause (`must be an integer`), never an exception.

Organisation: small checkers append to a shared error list; `validate()` checks the
metadata every kind shares and then calls the kind's strategy (`validate`, and
`validate_update` for the extra rules an update must obey, such as immutable fields).
Label selectors are matched by a small local matcher on purpose: this module must not
depend on the query-side selector module.
"""

from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from minik8s.api.errors import (
    NOT_FOUND,
    Cause,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
    too_long,
)
from minik8s.api.kind import ResourceInfo
from minik8s.api.names import (
    ENV_VAR_MSG,
    ENV_VAR_RE,
    PERCENT_MSG,
    PERCENT_RE,
    config_key_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    is_dns1123_label,
    is_dns1123_subdomain,
    label_value_errors,
    path_segment_errors,
    port_name_errors,
    qualified_name_errors,
)
from minik8s.api.quantity import parse_quantity

__all__ = [
    "validate",
    "validate_name",
    "validate_labels",
    "is_dns1123_label",
    "is_dns1123_subdomain",
]

Obj = dict[str, Any]
Errs = list[Cause]

_ANNOTATIONS_MAX = 256 * 1024
DATA_MAX = 1024 * 1024
IP_EXAMPLE = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR_EXAMPLE = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
PORT_RANGE = "must be between 1 and 65535, inclusive"
IMMUTABLE = "field is immutable"


def validate_name(info: ResourceInfo, name: str) -> list[str]:
    """The problems with `name` as the name of an object of this kind ([] when fine)."""
    if not isinstance(name, str):
        return ["must be a string"]
    return info.strategy.name_errors(name)


# --------------------------------------------------------------------------- typed access


def join_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def as_object(value: Any, path: str, errs: Errs) -> Obj:
    """`value` as an object ({} when absent); a non-object is reported and read as {}."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    errs.append(invalid(path, value, "must be an object"))
    return {}


def as_list(value: Any, path: str, errs: Errs) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    errs.append(invalid(path, value, "must be a list"))
    return []


def elements(value: Any, path: str, errs: Errs) -> list[tuple[str, Obj]]:
    """(path, element) for each element of the list `value`; non-objects are reported."""
    found: list[tuple[str, Obj]] = []
    for i, item in enumerate(as_list(value, path, errs)):
        if isinstance(item, dict):
            found.append((f"{path}[{i}]", item))
        else:
            errs.append(invalid(f"{path}[{i}]", item, "must be an object"))
    return found


def items_of(obj: Obj, key: str, parent: str, errs: Errs) -> list[tuple[str, Obj]]:
    """(path, element) for each object element of the list `obj[key]`."""
    return elements(obj.get(key), join_path(parent, key), errs)


def int_field(obj: Obj, key: str, parent: str, errs: Errs) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errs.append(invalid(join_path(parent, key), value, "must be an integer"))
        return None
    return value


def str_field(obj: Obj, key: str, parent: str, errs: Errs) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        errs.append(invalid(join_path(parent, key), value, "must be a string"))
        return None
    return value


def bool_field(obj: Obj, key: str, parent: str, errs: Errs) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        errs.append(invalid(join_path(parent, key), value, "must be a boolean"))
        return None
    return value


def required_str(obj: Obj, key: str, parent: str, errs: Errs, detail: str = "") -> str | None:
    """A non-empty string field; missing or "" is `Required value`."""
    if obj.get(key) in (None, ""):
        errs.append(required(join_path(parent, key), detail))
        return None
    return str_field(obj, key, parent, errs)


def at_least(obj: Obj, key: str, parent: str, errs: Errs, minimum: int) -> int | None:
    value = int_field(obj, key, parent, errs)
    if value is not None and value < minimum:
        errs.append(
            invalid(join_path(parent, key), value, f"must be greater than or equal to {minimum}")
        )
    return value


def non_negative(obj: Obj, key: str, parent: str, errs: Errs) -> int | None:
    return at_least(obj, key, parent, errs, 0)


def positive(obj: Obj, key: str, parent: str, errs: Errs) -> int | None:
    value = int_field(obj, key, parent, errs)
    if value is not None and value <= 0:
        errs.append(invalid(join_path(parent, key), value, "must be greater than 0"))
    return value


def one_of(obj: Obj, key: str, parent: str, errs: Errs, allowed: list[str]) -> str | None:
    """An optional enum field; unknown values are `Unsupported value`."""
    value = str_field(obj, key, parent, errs)
    if value is not None and value not in allowed:
        errs.append(not_supported(join_path(parent, key), value, allowed))
        return None
    return value


def check(errs: Errs, path: str, value: Any, msgs: list[str]) -> None:
    errs.extend(invalid(path, value, msg) for msg in msgs)


def strings(value: Any, path: str, errs: Errs) -> list[str]:
    """The list `value` of strings; non-strings are reported and skipped."""
    found: list[str] = []
    for i, item in enumerate(as_list(value, path, errs)):
        if isinstance(item, str):
            found.append(item)
        else:
            errs.append(invalid(f"{path}[{i}]", item, "must be a string"))
    return found


def string_list(obj: Obj, key: str, parent: str, errs: Errs) -> list[str]:
    return strings(obj.get(key), join_path(parent, key), errs)


def quantity(value: Any, path: str, errs: Errs) -> Decimal | None:
    """A non-negative resource quantity, or None (reported) when it is not one."""
    try:
        amount = parse_quantity(value)
    except ValueError as exc:
        errs.append(invalid(path, value, str(exc)))
        return None
    if amount < 0:
        errs.append(invalid(path, value, "must be greater than or equal to 0"))
        return None
    return amount


def ip_error(value: str) -> str | None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return IP_EXAMPLE
    return None


def is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def cidr_error(value: str) -> str | None:
    if "/" not in value:
        return CIDR_EXAMPLE
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return CIDR_EXAMPLE
    return None


def port_number(value: Any, path: str, errs: Errs) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        errs.append(invalid(path, value, "must be an integer"))
    elif not 1 <= value <= 65535:
        errs.append(invalid(path, value, PORT_RANGE))


def int_or_name_port(value: Any, path: str, errs: Errs) -> None:
    """An IntOrString port: a number 1..65535 or an IANA service name."""
    if value is None or value == "":
        errs.append(required(path))
    elif isinstance(value, str):
        check(errs, path, value, port_name_errors(value))
    else:
        port_number(value, path, errs)


# --------------------------------------------------------------------------- labels & meta


def validate_labels(labels: Any, field: str) -> list[Cause]:
    """Label keys must be qualified names and values valid label values."""
    errs: Errs = []
    for key, value in as_object(labels, field, errs).items():
        check(errs, field, key, qualified_name_errors(key))
        if not isinstance(value, str):
            errs.append(invalid(field, value, "must be a string"))
        else:
            check(errs, field, value, label_value_errors(value))
    return errs


def _validate_annotations(value: Any, path: str, errs: Errs) -> None:
    total = 0
    for key, text in as_object(value, path, errs).items():
        lowered = key.lower() if isinstance(key, str) else key
        check(errs, path, key, qualified_name_errors(lowered))
        if not isinstance(text, str):
            errs.append(invalid(f"{path}[{key}]", text, "must be a string"))
            continue
        total += len(str(key)) + len(text)
    if total > _ANNOTATIONS_MAX:
        errs.append(too_long(path, "", _ANNOTATIONS_MAX))


def _validate_owner_references(value: Any, path: str, errs: Errs) -> None:
    controllers = 0
    for ref_path, ref in elements(value, path, errs):
        for key in ("apiVersion", "kind", "name", "uid"):
            required_str(ref, key, ref_path, errs)
        if bool_field(ref, "controller", ref_path, errs):
            controllers += 1
        bool_field(ref, "blockOwnerDeletion", ref_path, errs)
    if controllers > 1:
        errs.append(invalid(path, value, "only one reference can have controller set to true"))


def _validate_finalizers(value: Any, path: str, errs: Errs) -> None:
    for name in strings(value, path, errs):
        check(errs, path, name, qualified_name_errors(name))


def _masked_prefix(prefix: str) -> str:
    """A generateName prefix may end in '-'; check it as if a suffix followed."""
    return prefix[:-1] + "a" if prefix.endswith("-") else prefix


def _validate_metadata(info: ResourceInfo, obj: Obj, errs: Errs) -> None:
    meta = as_object(obj.get("metadata"), "metadata", errs)
    name = meta.get("name")
    if name in (None, ""):
        errs.append(required("metadata.name", "name or generateName is required"))
    else:
        check(errs, "metadata.name", name, validate_name(info, name))
    prefix = str_field(meta, "generateName", "metadata", errs)
    if prefix:
        check(errs, "metadata.generateName", prefix, validate_name(info, _masked_prefix(prefix)))
    namespace = str_field(meta, "namespace", "metadata", errs)
    if namespace and not info.namespaced:
        errs.append(forbidden("metadata.namespace", "not allowed on this type"))
    elif namespace:
        check(errs, "metadata.namespace", namespace, dns1123_label_errors(namespace))
    errs.extend(validate_labels(meta.get("labels"), "metadata.labels"))
    _validate_annotations(meta.get("annotations"), "metadata.annotations", errs)
    _validate_owner_references(meta.get("ownerReferences"), "metadata.ownerReferences", errs)
    _validate_finalizers(meta.get("finalizers"), "metadata.finalizers", errs)


def _validate_metadata_update(obj: Obj, old: Obj, errs: Errs) -> None:
    meta, old_meta = obj.get("metadata"), old.get("metadata")
    if not isinstance(meta, dict) or not isinstance(old_meta, dict):
        return
    for key in ("name", "namespace", "uid"):
        new_value, old_value = meta.get(key), old_meta.get(key)
        if new_value and old_value and new_value != old_value:
            errs.append(invalid(f"metadata.{key}", new_value, IMMUTABLE))


# --------------------------------------------------------------------------- label selectors

SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"]
NODE_SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]


def validate_requirement(expr: Obj, path: str, errs: Errs, operators: list[str]) -> None:
    """One matchExpressions entry: a key, an operator and the values the operator needs."""
    key = required_str(expr, "key", path, errs)
    if key:
        check(errs, f"{path}.key", key, qualified_name_errors(key))
    operator = None
    if expr.get("operator") in (None, ""):
        errs.append(required(f"{path}.operator"))
    else:
        operator = one_of(expr, "operator", path, errs, operators)
    values = string_list(expr, "values", path, errs)
    values_path = f"{path}.values"
    if operator in ("In", "NotIn") and not values:
        errs.append(required(values_path, "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist") and values:
        errs.append(
            forbidden(
                values_path, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            )
        )
    elif operator in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(
                required(
                    values_path, "must be specified single value when `operator` is 'Lt' or 'Gt'"
                )
            )
        elif not re.fullmatch("[+-]?[0-9]+", values[0]):
            errs.append(invalid(f"{values_path}[0]", values[0], "must be an integer"))
        return
    for i, value in enumerate(values):
        check(errs, f"{values_path}[{i}]", value, label_value_errors(value))


def validate_label_selector(value: Any, path: str, errs: Errs) -> None:
    selector = as_object(value, path, errs)
    errs.extend(validate_labels(selector.get("matchLabels"), f"{path}.matchLabels"))
    for expr_path, expr in items_of(selector, "matchExpressions", path, errs):
        validate_requirement(expr, expr_path, errs, SELECTOR_OPERATORS)


def selector_is_empty(selector: Obj) -> bool:
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _requirement_matches(expr: Obj, labels: Obj) -> bool:
    key, operator = expr.get("key"), expr.get("operator")
    values = expr.get("values") or []
    present = isinstance(key, str) and key in labels
    value = labels.get(key) if isinstance(key, str) else None
    if operator == "In":
        return present and value in values
    if operator == "NotIn":
        return not present or value not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return False


def selector_matches(selector: Obj, labels: Obj) -> bool:
    """Whether a (well-formed) LabelSelector selects an object with these labels."""
    match_labels = selector.get("matchLabels") or {}
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    return all(_requirement_matches(e, labels) for e in selector.get("matchExpressions") or [])


# --------------------------------------------------------------------------- containers

_PROTOCOLS = ["SCTP", "TCP", "UDP"]
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
        protocol = one_of(port, "protocol", port_path, errs, _PROTOCOLS) or "TCP"
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

_VOLUME_SOURCES = (  # every VolumeSource member of a Kubernetes Volume
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
_HOST_PATH_TYPES = [
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
]


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
        one_of(source, "type", source_path, errs, _HOST_PATH_TYPES)
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
        sources = [k for k in _VOLUME_SOURCES if volume.get(k) is not None]
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
_TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"]


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
        if effect and effect not in _TAINT_EFFECTS:
            errs.append(not_supported(f"{tol_path}.effect", effect, _TAINT_EFFECTS))
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
        terms = items_of(selector, "nodeSelectorTerms", req_path, errs)
        if not terms:
            errs.append(
                required(
                    f"{req_path}.nodeSelectorTerms", "must have at least one node selector term"
                )
            )
        for term_path, term in terms:
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


def _validate_pod_spec(
    value: Any,
    path: str,
    errs: Errs,
    *,
    restart: list[str] = _RESTART_POLICIES,
    restart_required: bool = False,
) -> None:
    """A PodSpec at `path` (`spec` for a Pod, `spec.template.spec` in a workload)."""
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


def _validate_template(
    value: Any,
    path: str,
    errs: Errs,
    *,
    restart: list[str],
    restart_required: bool = False,
) -> Obj | None:
    """A PodTemplateSpec; returns its labels when they are a well-formed map."""
    if value is None:
        errs.append(required(path))
        return None
    template = as_object(value, path, errs)
    meta = as_object(template.get("metadata"), f"{path}.metadata", errs)
    label_errors = validate_labels(meta.get("labels"), f"{path}.metadata.labels")
    errs.extend(label_errors)
    _validate_annotations(meta.get("annotations"), f"{path}.metadata.annotations", errs)
    _validate_pod_spec(
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


def _check_template_matches(
    selector: Obj | None, labels: Obj | None, path: str, errs: Errs
) -> None:
    if selector is None or labels is None:
        return
    if not selector_matches(selector, labels):
        errs.append(
            invalid(
                f"{path}.metadata.labels", labels, "`selector` does not match template `labels`"
            )
        )


# --------------------------------------------------------------------------- pods


def _validate_pod(obj: Obj, errs: Errs) -> None:
    _validate_pod_spec(obj.get("spec"), "spec", errs)


_POD_UPDATE_MSG = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def _copy_field(target: Obj, source: Obj, key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)


def _mask_pod_spec(spec: Obj, old_spec: Obj) -> Obj:
    """`spec` with every field a pod update may change taken from `old_spec`."""
    masked = copy.deepcopy(spec)
    for key in ("containers", "initContainers"):
        new_list, old_list = masked.get(key), old_spec.get(key)
        if not isinstance(new_list, list) or not isinstance(old_list, list):
            continue
        for new_c, old_c in zip(new_list, old_list, strict=False):
            if isinstance(new_c, dict) and isinstance(old_c, dict):
                _copy_field(new_c, old_c, "image")
    for key in ("activeDeadlineSeconds", "tolerations"):
        _copy_field(masked, old_spec, key)
    return masked


def _validate_pod_update(obj: Obj, old: Obj, errs: Errs) -> None:
    spec, old_spec = obj.get("spec"), old.get("spec")
    if not isinstance(spec, dict) or not isinstance(old_spec, dict):
        if spec != old_spec:
            errs.append(forbidden("spec", _POD_UPDATE_MSG))
        return
    if _mask_pod_spec(spec, old_spec) != old_spec:
        errs.append(forbidden("spec", _POD_UPDATE_MSG))
    old_deadline, deadline = (
        old_spec.get("activeDeadlineSeconds"),
        spec.get("activeDeadlineSeconds"),
    )
    if isinstance(old_deadline, int) and deadline is None:
        errs.append(
            invalid(
                "spec.activeDeadlineSeconds",
                None,
                "must not update from a positive integer to nil value",
            )
        )
    elif isinstance(old_deadline, int) and isinstance(deadline, int) and deadline > old_deadline:
        errs.append(
            invalid(
                "spec.activeDeadlineSeconds",
                deadline,
                "must be less than or equal to previous value",
            )
        )


# --------------------------------------------------------------------------- apps/v1


def _workload_selector(spec: Obj, errs: Errs, kind: str) -> Obj | None:
    """The spec.selector of an apps/v1 workload, when present, valid and non-empty."""
    if spec.get("selector") is None:
        errs.append(required("spec.selector"))
        return None
    before = len(errs)
    validate_label_selector(spec["selector"], "spec.selector", errs)
    selector = spec["selector"]
    if len(errs) > before or not isinstance(selector, dict):
        return None
    if selector_is_empty(selector):
        errs.append(invalid("spec.selector", selector, f"empty selector is invalid for {kind}"))
        return None
    return selector


def _validate_workload(spec: Obj, errs: Errs, kind: str) -> None:
    """Selector, template (restartPolicy Always) and selector/labels agreement."""
    selector = _workload_selector(spec, errs, kind)
    labels = _validate_template(spec.get("template"), "spec.template", errs, restart=["Always"])
    _check_template_matches(selector, labels, "spec.template", errs)
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    if isinstance(pod_spec, dict) and pod_spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                f"activeDeadlineSeconds in {kind} is not Supported",
            )
        )
    non_negative(spec, "minReadySeconds", "spec", errs)
    non_negative(spec, "revisionHistoryLimit", "spec", errs)


def int_or_percent(value: Any, path: str, errs: Errs) -> tuple[int, bool] | None:
    """An IntOrString like maxSurge: (amount, is_percent), or None when absent or invalid."""
    if value is None:
        return None
    if isinstance(value, str):
        if not PERCENT_RE.fullmatch(value):
            errs.append(invalid(path, value, PERCENT_MSG))
            return None
        return int(value[:-1]), True
    if isinstance(value, bool) or not isinstance(value, int):
        errs.append(invalid(path, value, "must be an integer or a percentage string"))
        return None
    if value < 0:
        errs.append(invalid(path, value, "must be greater than or equal to 0"))
        return None
    return value, False


def _validate_rolling_update(value: Any, path: str, errs: Errs) -> None:
    """maxSurge/maxUnavailable of a Deployment or DaemonSet rolling update."""
    params = as_object(value, path, errs)
    surge = int_or_percent(params.get("maxSurge"), f"{path}.maxSurge", errs)
    unavailable = int_or_percent(params.get("maxUnavailable"), f"{path}.maxUnavailable", errs)
    if unavailable is not None and unavailable[1] and unavailable[0] > 100:
        errs.append(
            invalid(
                f"{path}.maxUnavailable", params["maxUnavailable"], "must not be greater than 100%"
            )
        )
    if surge is not None and unavailable is not None and surge[0] == 0 == unavailable[0]:
        errs.append(
            invalid(
                f"{path}.maxUnavailable",
                params["maxUnavailable"],
                "may not be 0 when `maxSurge` is 0",
            )
        )


def _validate_deployment_strategy(value: Any, errs: Errs) -> None:
    strategy = as_object(value, "spec.strategy", errs)
    kind = one_of(strategy, "type", "spec.strategy", errs, ["Recreate", "RollingUpdate"])
    if strategy.get("rollingUpdate") is None:
        return
    if kind == "Recreate":
        errs.append(
            forbidden(
                "spec.strategy.rollingUpdate",
                "may not be specified when strategy `type` is 'Recreate'",
            )
        )
    else:
        _validate_rolling_update(strategy["rollingUpdate"], "spec.strategy.rollingUpdate", errs)


def _validate_deployment(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    non_negative(spec, "replicas", "spec", errs)
    _validate_workload(spec, errs, "deployment")
    _validate_deployment_strategy(spec.get("strategy"), errs)
    bool_field(spec, "paused", "spec", errs)
    deadline = int_field(spec, "progressDeadlineSeconds", "spec", errs)
    min_ready = spec.get("minReadySeconds")
    min_ready = min_ready if isinstance(min_ready, int) else 0
    if deadline is not None and deadline <= min_ready:
        errs.append(
            invalid(
                "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
            )
        )


def _validate_replicaset(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    non_negative(spec, "replicas", "spec", errs)
    _validate_workload(spec, errs, "replicaset")


def _validate_daemonset(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    _validate_workload(spec, errs, "daemonset")
    path = "spec.updateStrategy"
    strategy = as_object(spec.get("updateStrategy"), path, errs)
    kind = one_of(strategy, "type", path, errs, ["OnDelete", "RollingUpdate"])
    if kind != "OnDelete" and strategy.get("rollingUpdate") is not None:
        _validate_rolling_update(strategy["rollingUpdate"], f"{path}.rollingUpdate", errs)


def _validate_statefulset_strategy(value: Any, errs: Errs) -> None:
    path = "spec.updateStrategy"
    strategy = as_object(value, path, errs)
    kind = one_of(strategy, "type", path, errs, ["OnDelete", "RollingUpdate"])
    if strategy.get("rollingUpdate") is None:
        return
    if kind == "OnDelete":
        errs.append(
            forbidden(f"{path}.rollingUpdate", "only allowed for updateStrategy 'RollingUpdate'")
        )
        return
    params = as_object(strategy["rollingUpdate"], f"{path}.rollingUpdate", errs)
    non_negative(params, "partition", f"{path}.rollingUpdate", errs)
    unavailable = int_or_percent(
        params.get("maxUnavailable"), f"{path}.rollingUpdate.maxUnavailable", errs
    )
    if unavailable is not None and unavailable[0] < 1:
        errs.append(
            invalid(
                f"{path}.rollingUpdate.maxUnavailable",
                params["maxUnavailable"],
                "must be greater than 0",
            )
        )


def _validate_controller_revision(obj: Obj, errs: Errs) -> None:
    if obj.get("data") is None:
        errs.append(required("data", "data is mandatory"))
    if obj.get("revision") is None:
        errs.append(required("revision"))
    non_negative(obj, "revision", "", errs)


def _validate_controller_revision_update(obj: Obj, old: Obj, errs: Errs) -> None:
    immutable(obj.get("data"), old.get("data"), "data", errs)


def _with_claim_volumes(spec: Obj) -> Obj:
    """The spec with a volume per volumeClaimTemplate, so containers may mount them by name
    (the controller adds those volumes to each pod)."""
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    claims = spec.get("volumeClaimTemplates")
    if not isinstance(pod_spec, dict) or not isinstance(claims, list):
        return spec
    found = pod_spec.get("volumes")
    volumes: list[Any] = found if isinstance(found, list) else []
    have = {
        v.get("name") for v in volumes if isinstance(v, dict) and isinstance(v.get("name"), str)
    }
    extra = []
    for claim in claims:
        claim_meta = claim.get("metadata") if isinstance(claim, dict) else None
        name = claim_meta.get("name") if isinstance(claim_meta, dict) else None
        if isinstance(name, str) and name and name not in have:
            extra.append({"name": name, "persistentVolumeClaim": {"claimName": name}})
    if not extra:
        return spec
    out = copy.deepcopy(spec)
    out["template"]["spec"]["volumes"] = [*volumes, *extra]
    return out


def _validate_statefulset(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    non_negative(spec, "replicas", "spec", errs)
    _validate_workload(_with_claim_volumes(spec), errs, "statefulset")
    str_field(spec, "serviceName", "spec", errs)
    one_of(spec, "podManagementPolicy", "spec", errs, ["OrderedReady", "Parallel"])
    _validate_statefulset_strategy(spec.get("updateStrategy"), errs)
    retention_path = "spec.persistentVolumeClaimRetentionPolicy"
    retention = as_object(spec.get("persistentVolumeClaimRetentionPolicy"), retention_path, errs)
    for key in ("whenDeleted", "whenScaled"):
        one_of(retention, key, retention_path, errs, ["Delete", "Retain"])
    ordinals = as_object(spec.get("ordinals"), "spec.ordinals", errs)
    non_negative(ordinals, "start", "spec.ordinals", errs)
    for claim_path, claim in items_of(spec, "volumeClaimTemplates", "spec", errs):
        claim_meta = as_object(claim.get("metadata"), f"{claim_path}.metadata", errs)
        name = required_str(claim_meta, "name", f"{claim_path}.metadata", errs)
        if name:
            check(errs, f"{claim_path}.metadata.name", name, dns1123_subdomain_errors(name))


def spec_of(obj: Obj) -> Obj:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def immutable(new: Any, old: Any, path: str, errs: Errs) -> None:
    if new != old:
        errs.append(invalid(path, new, IMMUTABLE))


def validate_selector_update(obj: Obj, old: Obj, errs: Errs) -> None:
    immutable(spec_of(obj).get("selector"), spec_of(old).get("selector"), "spec.selector", errs)


_STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
_STATEFULSET_UPDATE_MSG = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
    "'minReadySeconds' are forbidden"
)


def _validate_statefulset_update(obj: Obj, old: Obj, errs: Errs) -> None:
    def fixed(spec: Obj) -> Obj:
        return {k: v for k, v in spec.items() if k not in _STATEFULSET_MUTABLE}

    if fixed(spec_of(obj)) != fixed(spec_of(old)):
        errs.append(forbidden("spec", _STATEFULSET_UPDATE_MSG))


# --------------------------------------------------------------------------- batch/v1


def _validate_job_spec(value: Any, path: str, errs: Errs) -> None:
    spec = as_object(value, path, errs)
    for key in (
        "parallelism",
        "completions",
        "backoffLimit",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
        "ttlSecondsAfterFinished",
    ):
        non_negative(spec, key, path, errs)
    positive(spec, "activeDeadlineSeconds", path, errs)
    mode = one_of(spec, "completionMode", path, errs, ["Indexed", "NonIndexed"])
    if mode == "Indexed" and spec.get("completions") is None:
        errs.append(required(f"{path}.completions", "when completion mode is Indexed"))
    one_of(spec, "podReplacementPolicy", path, errs, ["Failed", "TerminatingOrFailed"])
    bool_field(spec, "suspend", path, errs)
    manual = bool_field(spec, "manualSelector", path, errs)
    as_object(spec.get("podFailurePolicy"), f"{path}.podFailurePolicy", errs)
    selector: Obj | None = None
    if spec.get("selector") is None:
        if manual:
            errs.append(required(f"{path}.selector"))
    else:
        before = len(errs)
        validate_label_selector(spec["selector"], f"{path}.selector", errs)
        if len(errs) == before and isinstance(spec["selector"], dict):
            selector = spec["selector"]
    labels = _validate_template(
        spec.get("template"),
        f"{path}.template",
        errs,
        restart=["OnFailure", "Never"],
        restart_required=True,
    )
    _check_template_matches(selector, labels, f"{path}.template", errs)


def _validate_job(obj: Obj, errs: Errs) -> None:
    _validate_job_spec(obj.get("spec"), "spec", errs)


def _validate_job_update(obj: Obj, old: Obj, errs: Errs) -> None:
    spec, old_spec = spec_of(obj), spec_of(old)
    for key in ("selector", "template", "completionMode", "completions"):
        immutable(spec.get(key), old_spec.get(key), f"spec.{key}", errs)


_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_WEEKDAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# (lowest, highest, names, whether "?" may stand for "*") of each field, in order.
_CRON_FIELDS: tuple[tuple[int, int, dict[str, int], bool], ...] = (
    (0, 59, {}, False),  # minute
    (0, 23, {}, False),  # hour
    (1, 31, {}, True),  # day of month
    (1, 12, _MONTHS, False),  # month
    (0, 6, _WEEKDAYS, True),  # day of week
)
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_GO_DURATION_RE = re.compile(r"(?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+")


def _cron_number(text: str, names: dict[str, int]) -> int | None:
    if re.fullmatch("[0-9]+", text):
        return int(text)
    return names.get(text.lower())


def _cron_field_error(
    text: str, low: int, high: int, names: dict[str, int], question_ok: bool
) -> str | None:
    """The problem with one field of a cron schedule, or None."""
    for part in text.split(","):
        range_text, slash, step = part.partition("/")
        if slash and not (re.fullmatch("[0-9]+", step) and int(step) > 0):
            return f"step of range should be a positive number: {part}"
        if range_text == "*" or (question_ok and range_text == "?"):
            continue
        first, dash, last = range_text.partition("-")
        start = _cron_number(first, names)
        end = _cron_number(last, names) if dash else (high if slash else start)
        if start is None or end is None:
            return f"failed to parse int from {first if start is None else last!r}: {part}"
        if start < low:
            return f"beginning of range ({start}) below minimum ({low}): {part}"
        if end > high:
            return f"end of range ({end}) above maximum ({high}): {part}"
        if start > end:
            return f"beginning of range ({start}) beyond end of range ({end}): {part}"
    return None


def _cron_error(schedule: str) -> str | None:
    """Why `schedule` is not a standard 5-field cron expression (or macro); None when fine."""
    text = schedule.strip()
    if text.startswith("@"):
        if text in _CRON_MACROS:
            return None
        every = text.removeprefix("@every").strip()
        if text.startswith("@every ") and _GO_DURATION_RE.fullmatch(every):
            return None
        return f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != len(_CRON_FIELDS):
        return f"expected exactly 5 fields, found {len(fields)}: {text}"
    for field, (low, high, names, question_ok) in zip(fields, _CRON_FIELDS, strict=True):
        error = _cron_field_error(field, low, high, names, question_ok)
        if error:
            return error
    return None


def _valid_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return False
    return True


def _validate_schedule(spec: Obj, errs: Errs) -> None:
    schedule = required_str(spec, "schedule", "spec", errs)
    if schedule is None:
        return
    if "TZ=" in schedule:
        errs.append(
            invalid(
                "spec.schedule",
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            )
        )
        return
    error = _cron_error(schedule)
    if error:
        errs.append(invalid("spec.schedule", schedule, error))
    zone = str_field(spec, "timeZone", "spec", errs)
    if zone is not None and (not zone or not _valid_time_zone(zone)):
        errs.append(invalid("spec.timeZone", zone, f"unknown time zone {zone}"))


def _validate_cronjob(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    _validate_schedule(spec, errs)
    one_of(spec, "concurrencyPolicy", "spec", errs, ["Allow", "Forbid", "Replace"])
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        non_negative(spec, key, "spec", errs)
    bool_field(spec, "suspend", "spec", errs)
    if spec.get("jobTemplate") is None:
        errs.append(required("spec.jobTemplate"))
        return
    template = as_object(spec["jobTemplate"], "spec.jobTemplate", errs)
    meta = as_object(template.get("metadata"), "spec.jobTemplate.metadata", errs)
    errs.extend(validate_labels(meta.get("labels"), "spec.jobTemplate.metadata.labels"))
    _validate_annotations(meta.get("annotations"), "spec.jobTemplate.metadata.annotations", errs)
    _validate_job_spec(template.get("spec"), "spec.jobTemplate.spec", errs)


# --------------------------------------------------------------------------- services

_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
_NODE_PORT_MIN, _NODE_PORT_MAX = 30000, 32767


def _validate_service_port(port: Obj, path: str, errs: Errs, svc_type: str) -> None:
    if port.get("port") is None:
        errs.append(required(f"{path}.port"))
    else:
        port_number(port["port"], f"{path}.port", errs)
    one_of(port, "protocol", path, errs, _PROTOCOLS)
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


def _validate_service_ports(spec: Obj, errs: Errs, svc_type: str) -> None:
    ports = items_of(spec, "ports", "spec", errs)
    names: set[str] = set()
    seen: set[tuple[Any, Any]] = set()
    node_ports: set[tuple[Any, Any]] = set()
    for path, port in ports:
        name = str_field(port, "name", path, errs)
        if len(ports) > 1 and not name:
            errs.append(required(f"{path}.name"))
        if name:
            check(errs, f"{path}.name", name, dns1123_label_errors(name))
            if name in names:
                errs.append(duplicate(f"{path}.name", name))
            names.add(name)
        _validate_service_port(port, path, errs, svc_type)
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


def _validate_service_policies(spec: Obj, errs: Errs, svc_type: str) -> None:
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


def _validate_service(obj: Obj, errs: Errs) -> None:
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
    _validate_service_ports(spec, errs, svc_type)
    errs.extend(validate_labels(spec.get("selector"), "spec.selector"))
    _validate_service_policies(spec, errs, svc_type)
    for i, ip in enumerate(string_list(spec, "externalIPs", "spec", errs)):
        error = ip_error(ip)
        if error:
            errs.append(invalid(f"spec.externalIPs[{i}]", ip, error))


def _validate_service_update(obj: Obj, old: Obj, errs: Errs) -> None:
    spec, old_spec = spec_of(obj), spec_of(old)
    old_ip, new_ip = old_spec.get("clusterIP"), spec.get("clusterIP")
    if not isinstance(old_ip, str) or not old_ip or new_ip == old_ip:
        return
    if spec.get("type") == "ExternalName" and new_ip in (None, ""):
        return  # switching to ExternalName releases the cluster IP
    errs.append(invalid("spec.clusterIP", new_ip, IMMUTABLE))


def _validate_endpoint_address(address: Obj, path: str, errs: Errs) -> None:
    ip = required_str(address, "ip", path, errs)
    if ip:
        error = ip_error(ip)
        if error:
            errs.append(invalid(f"{path}.ip", ip, error))
        else:
            parsed = ipaddress.ip_address(ip)
            if parsed.is_unspecified:
                errs.append(invalid(f"{path}.ip", ip, "may not be unspecified (0.0.0.0)"))
            elif parsed.is_loopback:
                errs.append(
                    invalid(
                        f"{path}.ip", ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"
                    )
                )
    hostname = str_field(address, "hostname", path, errs)
    if hostname:
        check(errs, f"{path}.hostname", hostname, dns1123_label_errors(hostname))
    str_field(address, "nodeName", path, errs)
    as_object(address.get("targetRef"), f"{path}.targetRef", errs)


def _validate_endpoints(obj: Obj, errs: Errs) -> None:
    for subset_path, subset in items_of(obj, "subsets", "", errs):
        for key in ("addresses", "notReadyAddresses"):
            for address_path, address in items_of(subset, key, subset_path, errs):
                _validate_endpoint_address(address, address_path, errs)
        ports = items_of(subset, "ports", subset_path, errs)
        names: set[str] = set()
        for port_path, port in ports:
            if port.get("port") is None:
                errs.append(required(f"{port_path}.port"))
            else:
                port_number(port["port"], f"{port_path}.port", errs)
            one_of(port, "protocol", port_path, errs, _PROTOCOLS)
            name = str_field(port, "name", port_path, errs)
            if len(ports) > 1 and not name:
                errs.append(required(f"{port_path}.name"))
            if name:
                check(errs, f"{port_path}.name", name, dns1123_label_errors(name))
                if name in names:
                    errs.append(duplicate(f"{port_path}.name", name))
                names.add(name)


# --------------------------------------------------------------------------- cluster & config


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
        if effect and effect not in _TAINT_EFFECTS:
            errs.append(not_supported(f"{path}.effect", effect, _TAINT_EFFECTS))
        if key and effect:
            if (key, effect) in seen:
                errs.append(duplicate(f"{path}.effect", effect))
            seen.add((key, effect))


def _validate_node(obj: Obj, errs: Errs) -> None:
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


def _validate_namespace(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    for i, name in enumerate(string_list(spec, "finalizers", "spec", errs)):
        check(errs, f"spec.finalizers[{i}]", name, qualified_name_errors(name))
    status = as_object(obj.get("status"), "status", errs)
    one_of(status, "phase", "status", errs, ["Active", "Terminating"])


def _decoded_size(value: Any, path: str, errs: Errs) -> int:
    """Size of a base64 value after decoding; reports (without echoing it) an invalid one."""
    if isinstance(value, str):
        try:
            return len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            pass
    errs.append(invalid(path, "<value omitted>", "must be a base64 encoded string"))
    return 0


def _check_data_keys(block: Obj, path: str, errs: Errs) -> None:
    for key in block:
        check(errs, f"{path}[{key}]", key, config_key_errors(key))


def _check_text_values(block: Obj, path: str, errs: Errs) -> int:
    size = 0
    for key, value in block.items():
        if isinstance(value, str):
            size += len(value.encode())
        else:
            errs.append(invalid(f"{path}[{key}]", value, "must be a string"))
    return size


def _validate_configmap(obj: Obj, errs: Errs) -> None:
    data = as_object(obj.get("data"), "data", errs)
    binary = as_object(obj.get("binaryData"), "binaryData", errs)
    _check_data_keys(data, "data", errs)
    _check_data_keys(binary, "binaryData", errs)
    for key in data:
        if key in binary:
            errs.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
    size = _check_text_values(data, "data", errs)
    size += sum(_decoded_size(v, f"binaryData[{k}]", errs) for k, v in binary.items())
    if size > DATA_MAX:
        errs.append(too_long("data", "", DATA_MAX))
    bool_field(obj, "immutable", "", errs)


_SECRET_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def _validate_secret_type(obj: Obj, keys: set[str], errs: Errs) -> None:
    secret_type = str_field(obj, "type", "", errs)
    for key in _SECRET_REQUIRED_KEYS.get(secret_type or "", ()):
        if key not in keys:
            errs.append(required(f"data[{key}]"))
    if secret_type == "kubernetes.io/basic-auth" and not keys & {"username", "password"}:
        errs.append(required("data[username]"))
    if secret_type == "kubernetes.io/service-account-token":
        meta = obj.get("metadata")
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        if not isinstance(annotations, dict) or not annotations.get(
            "kubernetes.io/service-account.name"
        ):
            errs.append(required("metadata.annotations[kubernetes.io/service-account.name]"))


def _validate_secret(obj: Obj, errs: Errs) -> None:
    data = as_object(obj.get("data"), "data", errs)
    string_data = as_object(obj.get("stringData"), "stringData", errs)
    _check_data_keys(data, "data", errs)
    _check_data_keys(string_data, "stringData", errs)
    size = sum(_decoded_size(v, f"data[{k}]", errs) for k, v in data.items())
    size += _check_text_values(string_data, "stringData", errs)
    if size > DATA_MAX:
        errs.append(too_long("data", "", DATA_MAX))
    _validate_secret_type(obj, set(data) | set(string_data), errs)
    bool_field(obj, "immutable", "", errs)


def _validate_immutable_data(obj: Obj, old: Obj, errs: Errs, keys: tuple[str, ...]) -> None:
    if old.get("immutable") is not True:
        return
    detail = "field is immutable when `immutable` is set"
    if obj.get("immutable") is not True:
        errs.append(forbidden("immutable", detail))
    for key in keys:
        if obj.get(key) != old.get(key):
            errs.append(forbidden(key, detail))


def _validate_configmap_update(obj: Obj, old: Obj, errs: Errs) -> None:
    _validate_immutable_data(obj, old, errs, ("data", "binaryData"))


def _validate_secret_update(obj: Obj, old: Obj, errs: Errs) -> None:
    _validate_immutable_data(obj, old, errs, ("data",))
    immutable(obj.get("type"), old.get("type"), "type", errs)


def _validate_service_account(obj: Obj, errs: Errs) -> None:
    for key in ("secrets", "imagePullSecrets"):
        for path, ref in items_of(obj, key, "", errs):
            str_field(ref, "name", path, errs)
    bool_field(obj, "automountServiceAccountToken", "", errs)


def _validate_event(obj: Obj, errs: Errs) -> None:
    as_object(obj.get("involvedObject"), "involvedObject", errs)
    for key in ("reason", "message", "type", "firstTimestamp", "lastTimestamp"):
        str_field(obj, key, "", errs)
    non_negative(obj, "count", "", errs)
    as_object(obj.get("source"), "source", errs)


def _validate_lease(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    str_field(spec, "holderIdentity", "spec", errs)
    positive(spec, "leaseDurationSeconds", "spec", errs)
    non_negative(spec, "leaseTransitions", "spec", errs)
    for key in ("acquireTime", "renewTime"):
        str_field(spec, key, "spec", errs)


# --------------------------------------------------------------------------- scheduling

# The classes the API server creates itself; other names starting "system-" are reserved.
SYSTEM_PRIORITY_CLASSES = {
    "system-cluster-critical": 2000000000,
    "system-node-critical": 2000001000,
}
HIGHEST_USER_PRIORITY = 1000000000
_PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"]


def _validate_priority_class(obj: Obj, errs: Errs) -> None:
    meta = obj.get("metadata")
    name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
    value = obj.get("value")
    if value is None:
        errs.append(required("value"))
    else:
        value = int_field(obj, "value", "", errs)
    if name in SYSTEM_PRIORITY_CLASSES:
        if value is not None and value != SYSTEM_PRIORITY_CLASSES[name]:
            errs.append(
                invalid("value", value, f"must be {SYSTEM_PRIORITY_CLASSES[name]} for {name}")
            )
    elif name.startswith("system-"):
        errs.append(
            invalid("metadata.name", name, "the prefix 'system-' is reserved for system classes")
        )
    elif value is not None and value > HIGHEST_USER_PRIORITY:
        errs.append(invalid("value", value, f"must not be greater than {HIGHEST_USER_PRIORITY}"))
    bool_field(obj, "globalDefault", "", errs)
    str_field(obj, "description", "", errs)
    one_of(obj, "preemptionPolicy", "", errs, _PREEMPTION_POLICIES)


def _validate_priority_class_update(obj: Obj, old: Obj, errs: Errs) -> None:
    if obj.get("value") != old.get("value"):
        errs.append(forbidden("value", "may not be changed in an update."))
    if obj.get("preemptionPolicy") != old.get("preemptionPolicy"):
        errs.append(forbidden("preemptionPolicy", "field is immutable"))


# --------------------------------------------------------------------------- storage

_ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
_RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
_VOLUME_MODES = ["Block", "Filesystem"]
_PV_SOURCES = ("hostPath", "local")  # the PersistentVolume sources a node can mount here
_PV_OTHER_SOURCES = tuple(  # PersistentVolume sources this cluster has no plugin for
    k
    for k in _VOLUME_SOURCES
    if k not in ("hostPath", "emptyDir", "gitRepo", "secret", "persistentVolumeClaim")
    and k not in ("downwardAPI", "configMap", "projected", "ephemeral", "image")
)
_PVC_UPDATE_MSG = (
    "spec is immutable after creation except resources.requests and volumeName when it is empty"
)


def _validate_access_modes(spec: Obj, errs: Errs) -> None:
    modes = string_list(spec, "accessModes", "spec", errs)
    if not modes:
        errs.append(required("spec.accessModes"))
    for i, mode in enumerate(modes):
        if mode not in _ACCESS_MODES:
            errs.append(not_supported(f"spec.accessModes[{i}]", mode, _ACCESS_MODES))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(
            forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes")
        )


def _validate_storage(block: Any, path: str, errs: Errs) -> None:
    amounts = as_object(block, path, errs)
    if amounts.get("storage") is None:
        errs.append(required(f"{path}[storage]"))
    else:
        quantity(amounts["storage"], f"{path}[storage]", errs)


def _validate_persistent_volume(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    _validate_access_modes(spec, errs)
    _validate_storage(spec.get("capacity"), "spec.capacity", errs)
    one_of(spec, "persistentVolumeReclaimPolicy", "spec", errs, _RECLAIM_POLICIES)
    one_of(spec, "volumeMode", "spec", errs, _VOLUME_MODES)
    str_field(spec, "storageClassName", "spec", errs)
    claim = as_object(spec.get("claimRef"), "spec.claimRef", errs)
    for key in ("namespace", "name", "uid"):
        str_field(claim, key, "spec.claimRef", errs)
    sources = [k for k in _PV_SOURCES if spec.get(k) is not None]
    for other in (k for k in _PV_OTHER_SOURCES if spec.get(k) is not None):
        errs.append(forbidden(f"spec.{other}", "only hostPath and local volumes are supported"))
    if not sources:
        errs.append(required("spec", "must specify a volume type"))
    for extra in sources[1:]:
        errs.append(forbidden(f"spec.{extra}", "may not specify more than 1 volume type"))
    if sources:
        source_path = f"spec.{sources[0]}"
        source = as_object(spec[sources[0]], source_path, errs)
        target = required_str(source, "path", source_path, errs)
        if target and ".." in target.split("/"):
            errs.append(invalid(f"{source_path}.path", target, "must not contain '..'"))
        if sources[0] == "hostPath":
            one_of(source, "type", source_path, errs, _HOST_PATH_TYPES)


def _validate_persistent_volume_update(obj: Obj, old: Obj, errs: Errs) -> None:
    spec, old_spec = spec_of(obj), spec_of(old)
    for key in _PV_SOURCES:
        if spec.get(key) != old_spec.get(key):
            errs.append(
                forbidden(
                    "spec.persistentvolumesource",
                    "spec.persistentvolumesource is immutable after creation",
                )
            )
            break
    immutable(spec.get("volumeMode"), old_spec.get("volumeMode"), "spec.volumeMode", errs)


def _validate_persistent_volume_claim(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    _validate_access_modes(spec, errs)
    resources = as_object(spec.get("resources"), "spec.resources", errs)
    requests = resources.get("requests")
    if requests is None:
        errs.append(required("spec.resources[storage]"))
    else:
        _validate_storage(requests, "spec.resources", errs)
    volume = str_field(spec, "volumeName", "spec", errs)
    if volume:
        check(errs, "spec.volumeName", volume, dns1123_subdomain_errors(volume))
    one_of(spec, "volumeMode", "spec", errs, _VOLUME_MODES)
    str_field(spec, "storageClassName", "spec", errs)
    if spec.get("selector") is not None:
        validate_label_selector(spec["selector"], "spec.selector", errs)


def _validate_persistent_volume_claim_update(obj: Obj, old: Obj, errs: Errs) -> None:
    def fixed(spec: Obj, volume_may_change: bool) -> Obj:
        out = copy.deepcopy(spec)
        resources = out.get("resources")
        if isinstance(resources, dict):
            resources.pop("requests", None)
        if volume_may_change:
            out.pop("volumeName", None)
        return out

    old_spec = spec_of(old)
    unset = not old_spec.get("volumeName")
    if fixed(spec_of(obj), unset) != fixed(old_spec, unset):
        errs.append(forbidden("spec", _PVC_UPDATE_MSG))


# --------------------------------------------------------------------------- autoscaling

_METRIC_SOURCES = {
    "ContainerResource": "containerResource",
    "External": "external",
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
}
_TARGET_TYPES = ["AverageValue", "Utilization", "Value"]


def _validate_metric_target(source: Obj, path: str, errs: Errs) -> None:
    if source.get("target") is None:
        errs.append(required(f"{path}.target"))
        return
    target_path = f"{path}.target"
    target = as_object(source["target"], target_path, errs)
    if target.get("type") in (None, ""):
        errs.append(required(f"{target_path}.type"))
    kind = one_of(target, "type", target_path, errs, _TARGET_TYPES)
    if kind == "Utilization":
        at_least(target, "averageUtilization", target_path, errs, 1)
    for key in ("value", "averageValue"):
        if target.get(key) is not None:
            quantity(target[key], f"{target_path}.{key}", errs)


def _validate_metric(metric: Obj, path: str, errs: Errs) -> None:
    if metric.get("type") in (None, ""):
        errs.append(required(f"{path}.type"))
        return
    kind = one_of(metric, "type", path, errs, sorted(_METRIC_SOURCES))
    if kind is None:
        return
    source_key = _METRIC_SOURCES[kind]
    source_path = f"{path}.{source_key}"
    if metric.get(source_key) is None:
        errs.append(required(source_path, "must populate information for the given metric source"))
        return
    source = as_object(metric[source_key], source_path, errs)
    if kind in ("Resource", "ContainerResource"):
        required_str(source, "name", source_path, errs)
    else:
        metric_id = as_object(source.get("metric"), f"{source_path}.metric", errs)
        required_str(metric_id, "name", f"{source_path}.metric", errs)
    if kind == "ContainerResource":
        required_str(source, "container", source_path, errs)
    if kind == "Object":
        described = as_object(source.get("describedObject"), f"{source_path}.describedObject", errs)
        for key in ("kind", "name"):
            required_str(described, key, f"{source_path}.describedObject", errs)
    _validate_metric_target(source, source_path, errs)


def _validate_hpa(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    ref_path = "spec.scaleTargetRef"
    ref = as_object(spec.get("scaleTargetRef"), ref_path, errs)
    required_str(ref, "kind", ref_path, errs)
    name = required_str(ref, "name", ref_path, errs)
    if name:
        check(errs, f"{ref_path}.name", name, path_segment_errors(name))
    str_field(ref, "apiVersion", ref_path, errs)
    minimum = at_least(spec, "minReplicas", "spec", errs, 1)
    if spec.get("maxReplicas") is None:
        errs.append(required("spec.maxReplicas"))
    maximum = at_least(spec, "maxReplicas", "spec", errs, 1)
    if minimum is not None and maximum is not None and maximum < minimum:
        errs.append(
            invalid("spec.maxReplicas", maximum, "must be greater than or equal to `minReplicas`")
        )
    for metric_path, metric in items_of(spec, "metrics", "spec", errs):
        _validate_metric(metric, metric_path, errs)
    as_object(spec.get("behavior"), "spec.behavior", errs)


# --------------------------------------------------------------------------- entry point


def validate(
    info: ResourceInfo, obj: dict[str, Any], old: dict[str, Any] | None = None
) -> list[Cause]:
    """Every field error of `obj` (already defaulted); [] when it is valid.

    With `old` (the stored object of an update) the immutable-field rules are checked too.
    """
    if not isinstance(obj, dict):
        return [invalid("", obj, "must be an object")]
    errs: Errs = []
    _validate_metadata(info, obj, errs)
    info.strategy.validate(obj, errs)
    if isinstance(old, dict):
        _validate_metadata_update(obj, old, errs)
        info.strategy.validate_update(obj, old, errs)
    return errs
