"""Server-side validation: every field error of an object, as Kubernetes reports them.

The API server answers a bad manifest with 422 Invalid and one `Cause` per broken field
(`spec.template.spec.containers[0].image: Required value`), so users fix everything in one
round trip and tools that parse `details.causes[].field` keep working. Validation
therefore collects errors instead of stopping at the first, names fields in Kubernetes'
notation, and words its messages the way Kubernetes does.

Input comes straight from clients, so nothing here trusts a type: a field of the wrong JSON
type becomes a Cause (`must be an integer`), never an exception.

Organisation: small checkers append to a shared error list. `validate()` checks the
metadata every kind shares and then calls the kind's strategy (`validate`, and
`validate_update` for the extra rules an update must obey, such as immutable fields);
each kind's checks live with the kind (`minik8s.api.kinds`). This module is the toolkit
they are written with: typed field access that reports a wrong type as a Cause, metadata
and label checks, label selectors, shared enumerations. Label selectors are matched by a
small local matcher on purpose: this module must not depend on the query-side selector
module.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from minik8s.api.errors import (
    Cause,
    forbidden,
    invalid,
    not_supported,
    required,
    too_long,
)
from minik8s.api.kind import ResourceInfo
from minik8s.api.names import (
    PERCENT_MSG,
    PERCENT_RE,
    dns1123_label_errors,
    is_dns1123_label,
    is_dns1123_subdomain,
    label_value_errors,
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


def elements(value: Any, path: str, errs: Errs) -> Iterator[tuple[str, Obj]]:
    """(path, element) for each element of the list `value`, as the caller walks it (so a
    check that stops early never pays for the rest); non-objects are reported."""
    for i, item in enumerate(as_list(value, path, errs)):
        if isinstance(item, dict):
            yield f"{path}[{i}]", item
        else:
            errs.append(invalid(f"{path}[{i}]", item, "must be an object"))


def items_of(obj: Obj, key: str, parent: str, errs: Errs) -> Iterator[tuple[str, Obj]]:
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


def validate_annotations(value: Any, path: str, errs: Errs) -> None:
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
    validate_annotations(meta.get("annotations"), "metadata.annotations", errs)
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


# --------------------------------------------------------------------------- shared enumerations

PROTOCOLS = ["SCTP", "TCP", "UDP"]  # ports of containers, Services and Endpoints
TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"]  # node taints, tolerations


# --------------------------------------------------------------------------- updates & rollouts


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


def spec_of(obj: Obj) -> Obj:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def immutable(new: Any, old: Any, path: str, errs: Errs) -> None:
    if new != old:
        errs.append(invalid(path, new, IMMUTABLE))


def validate_selector_update(obj: Obj, old: Obj, errs: Errs) -> None:
    immutable(spec_of(obj).get("selector"), spec_of(old).get("selector"), "spec.selector", errs)


# --------------------------------------------------------------------------- entry point


def validate(
    info: ResourceInfo, obj: dict[str, Any], old: dict[str, Any] | None = None
) -> list[Cause]:
    """Every field error of `obj` (already defaulted); [] when it is valid.

    With `old` (the stored object of an update) the immutable-field rules are checked too.
    """
    if not isinstance(obj, dict):
        return [invalid("", obj, "must be an object")]
    errs = _BoundedCauses()
    try:
        _validate_metadata(info, obj, errs)
        info.strategy.validate(obj, errs)
        if isinstance(old, dict):
            _validate_metadata_update(obj, old, errs)
            info.strategy.validate_update(obj, old, errs)
    except _TooManyCauses:
        return [*errs, Cause("", f"too many errors: only the first {MAX_CAUSES} are listed")]
    return list(errs)


# A hostile body can hold a million broken list items: validation stops after this many
# errors, so neither the check nor the 422 it answers grows with the body.
MAX_CAUSES = 256


class _TooManyCauses(Exception):
    pass


class _BoundedCauses(list[Cause]):
    """An error list that ends validation once it holds `MAX_CAUSES` errors."""

    def append(self, cause: Cause) -> None:
        if len(self) >= MAX_CAUSES:
            raise _TooManyCauses
        super().append(cause)

    def extend(self, causes: Iterable[Cause]) -> None:
        for cause in causes:
            self.append(cause)
