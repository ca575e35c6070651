"""Endpoints (core/v1): the addresses and ports behind the Service of the same name.

The endpoints controller writes them for every Service with a selector (the ready pods'
IPs under `addresses`, the others under `notReadyAddresses`); for a Service without one
they are written by hand. Every address of a subset serves every port of that subset. An
address must be a real endpoint (neither unspecified nor loopback), a port's `protocol`
defaults to TCP, and ports need distinct names as soon as a subset has more than one.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

from minik8s.api import validation
from minik8s.api.defaults import dicts_at, set_default
from minik8s.api.errors import duplicate, invalid, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import dns1123_label_errors
from minik8s.api.printing import AGE, NAME, age, column, dicts, integer, name_of, text, with_more
from minik8s.api.schema import (
    CORE,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
)
from minik8s.api.validation import (
    as_object,
    check,
    ip_error,
    items_of,
    one_of,
    port_number,
    required_str,
    str_field,
)

DEFINITIONS = {
    CORE + "EndpointSubset": Struct(
        {
            "addresses": Field(
                Array(Ref(CORE + "EndpointAddress"), list_type="atomic"),
                "The endpoints that are ready to serve; they get the service's traffic.",
                proto=1,
            ),
            "notReadyAddresses": Field(
                Array(Ref(CORE + "EndpointAddress"), list_type="atomic"),
                "The endpoints that are not ready (starting, or failing their readiness "
                "checks); they get no traffic but stay visible.",
                proto=2,
            ),
            "ports": Field(
                Array(Ref(CORE + "EndpointPort"), list_type="atomic"),
                "The ports every address of this subset serves.",
                proto=3,
            ),
        },
        "A group of addresses that serve the same ports: each address with each port is one "
        "endpoint.",
    ),
    CORE + "EndpointAddress": Struct(
        {
            "ip": Field(
                "string",
                "The endpoint's IP address; it may be neither unspecified (0.0.0.0) nor "
                "loopback. Required.",
                proto=1,
            ),
            "hostname": Field(
                "string",
                "The endpoint's hostname, a DNS label; cluster DNS publishes it under a "
                "headless service's name.",
                proto=3,
            ),
            "nodeName": Field("string", "The node the endpoint runs on.", proto=4, keep_zero=True),
            "targetRef": Field(
                Ref(CORE + "ObjectReference"),
                "The object, usually a pod, that provides this endpoint.",
                proto=2,
            ),
        },
        "The address of one endpoint.",
    ),
    CORE + "EndpointPort": Struct(
        {
            "name": Field(
                "string",
                "The port's name: that of the service port it serves. A DNS label, required "
                "and unique when the subset has more than one port.",
                proto=1,
            ),
            "port": Field("integer", "The port number, 1-65535. Required.", proto=2),
            "protocol": Field(
                "string", "The IP protocol: TCP (the default), UDP or SCTP.", proto=3
            ),
            "appProtocol": Field(
                "string",
                "The application protocol, as on the service port: an IANA service name, a "
                "`kubernetes.io/` name or a domain-prefixed name.",
                proto=4,
                keep_zero=True,
            ),
        },
        "One port the addresses of a subset serve.",
    ),
}


# --------------------------------------------------------------------------- validation


def _validate_address(address: Obj, path: str, errs: Errs) -> None:
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


def _validate(obj: Obj, errs: Errs) -> None:
    for subset_path, subset in items_of(obj, "subsets", "", errs):
        for key in ("addresses", "notReadyAddresses"):
            for address_path, address in items_of(subset, key, subset_path, errs):
                _validate_address(address, address_path, errs)
        raw = subset.get("ports")
        many = isinstance(raw, list) and len(raw) > 1
        ports = items_of(subset, "ports", subset_path, errs)
        names: set[str] = set()
        for port_path, port in ports:
            if port.get("port") is None:
                errs.append(required(f"{port_path}.port"))
            else:
                port_number(port["port"], f"{port_path}.port", errs)
            one_of(port, "protocol", port_path, errs, validation.PROTOCOLS)
            name = str_field(port, "name", port_path, errs)
            if many and not name:
                errs.append(required(f"{port_path}.name"))
            if name:
                check(errs, f"{port_path}.name", name, dns1123_label_errors(name))
                if name in names:
                    errs.append(duplicate(f"{port_path}.name", name))
                names.add(name)


# --------------------------------------------------------------------------- defaults


def _default(obj: Obj) -> None:
    for subset in dicts_at(obj, "subsets"):
        for port in dicts_at(subset, "ports"):
            set_default(port, "protocol", "TCP")


# --------------------------------------------------------------------------- table


def _endpoints_text(obj: Obj) -> str:
    """`formatEndpoints`: up to three `ip:port`, then ` + N more...`."""
    subsets = dicts(obj.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    total = 0
    for subset in subsets:
        addresses = [text(a.get("ip")) for a in dicts(subset.get("addresses"))]
        ports = dicts(subset.get("ports"))
        if not ports:
            total += len(addresses)
            shown.extend(addresses)
            continue
        for port in ports:
            total += len(addresses)
            number = integer(port.get("port"))
            shown.extend(_join_host_port(ip, number) for ip in addresses)
    return with_more(shown, total, 3)


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), _endpoints_text(obj), age(obj, now)]


_COLUMNS = (
    NAME,
    column("Endpoints", "The ready addresses and ports of the service's pods."),
    AGE,
)


# --------------------------------------------------------------------------- the kind


ENDPOINTS = ResourceInfo(
    "",
    "v1",
    "Endpoints",
    "endpoints",
    "endpoints",
    True,
    ("ep",),
    schema=KindSchema(
        "Endpoints lists the network endpoints (addresses and ports) behind the Service of "
        "the same name.",
        {
            "subsets": Field(
                Array(Ref(CORE + "EndpointSubset"), list_type="atomic"),
                "The endpoints, as groups of addresses that share their ports; all endpoints "
                "are the union of the groups.",
                proto=2,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=Strategy(
        default=_default,
        validate=_validate,
    ),
)
