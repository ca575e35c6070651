"""APIService (apiregistration.k8s.io/v1): one served group-version and who serves it.

kube-aggregator keeps one APIService per group-version; those the API server serves itself
have no `spec.service` ("Local") and are always Available. minik8s's API server creates
and keeps those for every group-version it serves (`apiserver/bootstrap.py`), so
`kubectl get apiservices` lists them as Kubernetes does; others may be stored (a
`spec.service` naming where an aggregated API would live) but nothing proxies to them.
The object's name must be `<version>.<group>` (`v1.` for the core group). Field order and
protobuf numbers are those of k8s.io/kube-aggregator's apiregistration/v1.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import Cause, invalid, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import (
    dns1035_label_errors,
    dns1123_subdomain_errors,
    path_segment_errors,
)
from minik8s.api.printing import AGE, NAME, age, as_dict, column, dicts, name_of, text
from minik8s.api.schema import TIME, Field, KindSchema, Ref, Struct, merged_by_type
from minik8s.api.validation import as_object, check, port_number

GROUP = "apiregistration.k8s.io"
# Kubernetes' definition names for the aggregator's types.
APIREGISTRATION = "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1."
AVAILABLE = "Available"

DEFINITIONS = {
    APIREGISTRATION + "APIServiceSpec": Struct(
        {
            "service": Field(
                Ref(APIREGISTRATION + "ServiceReference"),
                "The Service of the server that serves this group-version (on port 443 by "
                "default); absent when the API server serves it itself (Local).",
                proto=1,
            ),
            "group": Field("string", "The API group served, empty for the core group.", proto=2),
            "version": Field("string", "The API version served, such as v1.", proto=3),
            "insecureSkipTLSVerify": Field(
                "boolean",
                "Skip verifying the server's certificate; strongly discouraged, use caBundle.",
                proto=4,
            ),
            "caBundle": Field(
                "bytes",
                "PEM-encoded CA certificates that verify the server's serving certificate; "
                "the system's trust roots when empty.",
                proto=5,
            ),
            "groupPriorityMinimum": Field(
                "integer",
                "The least priority of the whole group: groups are listed to clients from "
                "the highest (20000 at most) down. Required, positive.",
                proto=7,
            ),
            "versionPriority": Field(
                "integer",
                "Order of this version within its group, highest first (1000 at most). "
                "Required, positive.",
                proto=8,
            ),
        },
        "Where a group-version is served and how to reach and verify its server.",
    ),
    APIREGISTRATION + "ServiceReference": Struct(
        {
            "namespace": Field("string", "Namespace of the Service.", proto=1),
            "name": Field("string", "Name of the Service.", proto=2),
            "port": Field("integer", "Port of the Service, 1-65535; defaults to 443.", proto=3),
        },
        "A reference to the Service in front of an aggregated API server.",
    ),
    APIREGISTRATION + "APIServiceStatus": Struct(
        {
            "conditions": Field(
                merged_by_type(APIREGISTRATION + "APIServiceCondition"),
                "Available: whether the group-version can be served now.",
                proto=1,
            ),
        },
        "What the aggregator last observed of an APIService.",
    ),
    APIREGISTRATION + "APIServiceCondition": Struct(
        {
            "type": Field("string", "Type of the condition: Available.", proto=1),
            "status": Field("string", "True, False or Unknown.", proto=2),
            "lastTransitionTime": Field(
                TIME, "When the condition last changed from one status to another.", proto=3
            ),
            "reason": Field(
                "string", "A one-word CamelCase reason for the last transition.", proto=4
            ),
            "message": Field(
                "string", "A human-readable message about the last transition.", proto=5
            ),
        },
        "One aspect of the state of an APIService.",
    ),
}


# --------------------------------------------------------------------------- rules


def name_of_group_version(group: str, version: str) -> str:
    """The name an APIService must have: `v1.apps`, `v1.` for the core group."""
    return f"{version}.{group}"


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    service = child(spec, "service", create=False) if spec is not None else None
    if service is not None:
        set_default(service, "port", 443)


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    group = spec.get("group") or ""
    version = spec.get("version") or ""
    if not isinstance(group, str) or not isinstance(version, str):
        errs.append(invalid("spec", spec, "group and version must be strings"))
        return
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    wanted = name_of_group_version(group, version)
    if isinstance(name, str) and name and name != wanted:
        message = f'must be `spec.version+"."+spec.group`: "{wanted}"'
        errs.append(invalid("metadata.name", name, message))
    if not group and version != "v1":
        errs.append(
            required("spec.group", "only v1 may have an empty group and it better be legacy kube")
        )
    if group:
        check(errs, "spec.group", group, dns1123_subdomain_errors(group))
    check(errs, "spec.version", version, dns1035_label_errors(version))
    _priority(spec, "groupPriorityMinimum", 20000, errs)
    _priority(spec, "versionPriority", 1000, errs)
    service = spec.get("service")
    if service is None:
        if spec.get("caBundle"):
            errs.append(
                invalid(
                    "spec.caBundle", spec["caBundle"], "local APIServices may not have a caBundle"
                )
            )
        if spec.get("insecureSkipTLSVerify"):
            errs.append(
                invalid(
                    "spec.insecureSkipTLSVerify",
                    True,
                    "local APIServices may not have insecureSkipTLSVerify",
                )
            )
        return
    ref = as_object(service, "spec.service", errs)
    for key in ("namespace", "name"):
        if not ref.get(key):
            errs.append(required(f"spec.service.{key}"))
    if ref.get("port") is not None:
        port_number(ref["port"], "spec.service.port", errs)
    if spec.get("insecureSkipTLSVerify") and spec.get("caBundle"):
        errs.append(
            invalid("spec.insecureSkipTLSVerify", True, "may not be true if caBundle is present")
        )


def _priority(spec: Obj, key: str, most: int, errs: list[Cause]) -> None:
    value = spec.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= most:
        errs.append(invalid(f"spec.{key}", value, f"must be positive and less than {most}"))


# --------------------------------------------------------------------------- table


def _available(obj: Obj) -> str:
    """`True`, or `False (Reason)` as kube-aggregator prints it; `Unknown` without one."""
    for cond in dicts(as_dict(obj.get("status")).get("conditions")):
        if cond.get("type") == AVAILABLE:
            status = text(cond.get("status"))
            if status != "True" and cond.get("reason"):
                return f"{status} ({text(cond.get('reason'))})"
            return status
    return "Unknown"


def _row(obj: Obj, now: datetime) -> Cells:
    service = as_dict(obj.get("spec")).get("service")
    where = "Local"
    if isinstance(service, dict):
        where = f"{text(service.get('namespace'))}/{text(service.get('name'))}"
    return [name_of(obj), where, _available(obj), age(obj, now)]


_COLUMNS = (
    NAME,
    column("Service", "The reference to the service that hosts this API endpoint."),
    column("Available", "Whether this service is available."),
    AGE,
)


API_SERVICE = ResourceInfo(
    GROUP,
    "v1",
    "APIService",
    "apiservices",
    "apiservice",
    False,
    (),
    ("status",),
    ("api-extensions",),
    schema=KindSchema(
        "An APIService names a group-version of the API and the server that serves it; the "
        "name is `<version>.<group>`.",
        {
            "spec": Field(
                Ref(APIREGISTRATION + "APIServiceSpec"),
                "Which group-version and where it is served.",
                proto=2,
            ),
            "status": Field(
                Ref(APIREGISTRATION + "APIServiceStatus"),
                "Whether the group-version is available; written by the API server.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=Strategy(
        default=_default,
        validate=_validate,
        name_errors=path_segment_errors,
        reset_status_on_create=True,
    ),
)
