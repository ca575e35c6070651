"""Service (core/v1): its declaration."""

from __future__ import annotations

import copy
from typing import Any

from minik8s.api import defaults, names, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
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

DEFINITIONS = {
    CORE + "ServiceSpec": Struct(
        {
            "ports": keyed(CORE + "ServicePort", "port", "merge", "port", "protocol"),
            "selector": STRING_MAP,
            "type": "string",
            "clusterIP": "string",
            "clusterIPs": Array("string", list_type="atomic"),
            "externalIPs": Array("string", list_type="atomic"),
            "externalName": "string",
            "sessionAffinity": "string",
            "externalTrafficPolicy": "string",
            "internalTrafficPolicy": "string",
            "ipFamilies": Array("string", list_type="atomic"),
            "ipFamilyPolicy": "string",
            "loadBalancerIP": "string",
            "publishNotReadyAddresses": "boolean",
        }
    ),
    CORE + "ServicePort": Struct(
        {
            "name": "string",
            "protocol": "string",
            "appProtocol": "string",
            "port": "integer",
            "targetPort": Ref(INT_OR_STRING),
            "nodePort": "integer",
        }
    ),
    CORE + "ServiceStatus": Struct(
        {
            "loadBalancer": "object",
            "conditions": merged_by_type(META + "Condition"),
        }
    ),
}


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


class ServiceStrategy(Strategy):
    def name_errors(self, name: str) -> list[str]:
        return names.dns1035_label_errors(name)

    def default(self, obj: Obj) -> None:
        defaults._default_service(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_service(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_service_update(new, old, errs)

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
            "Service is a named abstraction of software service (for example, mysql) consisting of "
            "local port (for example 3306) that the proxy listens on, and the selector that "
            "determines which pods will answer requests sent through the proxy."
        ),
        {
            "spec": Field(
                Ref(CORE + "ServiceSpec"),
                "Spec defines the behavior of a service.",
            ),
            "status": Field(
                Ref(CORE + "ServiceStatus"),
                "Most recently observed status of the service. Populated by the system.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._SERVICE_COLUMNS), printing._service_row),
    selectable={
        "spec.clusterIP": ("spec.clusterIP", ""),
        "spec.type": ("spec.type", ""),
    },
    strategy=ServiceStrategy(),
)
