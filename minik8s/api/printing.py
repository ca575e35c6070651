"""The toolkit of server-side table cells: what every kind's printer builds its rows from.

A kind's columns and row function live with the kind (`minik8s.api.kinds`); the cells
here are the formats they share, as kube-apiserver's printers write them (ages like
`5m12s`, label selectors as text, `<none>`, lists cut with `+ N more...`), and the
fallback printer (Name, Created At) of a kind without columns of its own. Stored objects
can be partial or odd (a pod before its kubelet reported anything, a hand-written status),
so every accessor tolerates missing fields and wrong types and never raises.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from minik8s.api import times
from minik8s.api.dig import dig
from minik8s.api.kind import Cells, Column, Printer

Obj = dict[str, Any]

# --------------------------------------------------------------------------- durations


def human_duration(delta: timedelta) -> str:
    """Kubernetes' `duration.HumanDuration` (see `minik8s.api.times`)."""
    return times.human_duration(delta)


# --------------------------------------------------------------------------- safe access


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in as_list(value) if isinstance(item, dict)]


def text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def integer(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return default
    return default


def at(obj: Any, *path: str) -> Any:
    """`obj[path[0]][path[1]]...`, or None as soon as a step is missing or not a dict."""
    return dig(obj, path)


def name_of(obj: Obj) -> str:
    return text(at(obj, "metadata", "name"))


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (`Time` or `MicroTime`) as an aware datetime; None if unusable."""
    return times.parse_rfc3339(value)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def since(value: Any, now: datetime) -> str:
    moment = parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration(aware(now) - moment)


def age(obj: Obj, now: datetime) -> str:
    return since(at(obj, "metadata", "creationTimestamp"), now)


# --------------------------------------------------------------------------- shared formats


def format_labels(labels: Any) -> str:
    """`labels.FormatLabels`: `a=b,c=d` sorted by key, `<none>` when empty."""
    pairs = sorted(f"{k}={text(v)}" for k, v in as_dict(labels).items())
    return ",".join(pairs) if pairs else "<none>"


def selector_string(selector: Any) -> str:
    """A LabelSelector as `labels.Selector.String()`: requirements sorted by key."""
    requirements: list[tuple[str, str]] = []
    for key, value in as_dict(as_dict(selector).get("matchLabels")).items():
        requirements.append((key, f"{key}={text(value)}"))
    for expr in dicts(as_dict(selector).get("matchExpressions")):
        key = text(expr.get("key"))
        values = ",".join(sorted(text(v) for v in as_list(expr.get("values"))))
        operator = text(expr.get("operator"))
        rendered = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(operator, f"{key} {operator} ({values})")
        requirements.append((key, rendered))
    requirements.sort(key=lambda r: r[0])
    return ",".join(text for _, text in requirements)


def format_selector(selector: Any) -> str:
    """`metav1.FormatLabelSelector`: the selector string, `<none>` when it selects all."""
    return selector_string(selector) or "<none>"


def containers_and_images(pod_spec: Any) -> tuple[str, str]:
    containers = dicts(as_dict(pod_spec).get("containers"))
    names = ",".join(text(c.get("name")) for c in containers)
    images = ",".join(text(c.get("image")) for c in containers)
    return names, images


def template_spec(obj: Obj) -> Any:
    return at(obj, "spec", "template", "spec")


def with_more(items: list[str], total: int, limit: int, separator: str = ",") -> str:
    text = separator.join(items[:limit])
    if total > limit:
        return f"{text} + {total - limit} more..."
    return text


def bool_text(value: Any) -> str:
    if value is None:
        return "False"  # the API server defaults booleans such as `suspend` to false
    return "True" if value is True else "False"


# --------------------------------------------------------------------------- columns


def column(
    name: str, description: str, *, type_: str = "string", priority: int = 0, fmt: str = ""
) -> Column:
    return Column(name, description, type_, fmt, priority)


NAME = column(
    "Name",
    "Name must be unique within a namespace. Cannot be updated.",
    fmt="name",
)
AGE = column(
    "Age",
    "CreationTimestamp is the time the server created this object, shown as its age.",
)
CONTAINERS = column("Containers", "Names of each container in the template.", priority=1)
IMAGES = column("Images", "Images referenced by each container in the template.", priority=1)


def selector_column(what: str) -> Column:
    return column("Selector", f"Label query over the {what} this object selects.", priority=1)


# --------------------------------------------------------------------------- conditions


def condition_true(conditions: Any, type_: str) -> bool:
    for condition in dicts(conditions):
        if condition.get("type") == type_:
            return condition.get("status") == "True"
    return False


# --------------------------------------------------------------------------- replicas


def replicas_of(obj: Obj) -> int:
    """`spec.replicas`, which the API server defaults to 1 when it is absent."""
    return integer(at(obj, "spec", "replicas"), 1)


# --------------------------------------------------------------------------- fallback


def _default_row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), text(at(obj, "metadata", "creationTimestamp"))]


_DEFAULT_COLUMNS = [
    NAME,
    column("Created At", "The time the server created this object.", type_="date"),
]
DEFAULT_PRINTER = Printer(tuple(_DEFAULT_COLUMNS), _default_row)
