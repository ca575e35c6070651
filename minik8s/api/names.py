"""Name and string formats, worded as Kubernetes words them.

Object names (DNS-1123 labels and subdomains, DNS-1035 labels, path segments), label keys
and values, annotation and finalizer names (qualified names), port names (IANA service
names), config keys, environment variable names and percentages: each checker returns the
list of what is wrong with a string ([] when it is fine), and messages carry the regular
expression, as Kubernetes' `validation.Is*` helpers do.
"""

from __future__ import annotations

import re

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_ENV_VAR_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_PERCENT_FMT = "[0-9]+%"

_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = re.compile(_DNS1035_LABEL_FMT)
_QUALIFIED_NAME_RE = re.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
ENV_VAR_RE = re.compile(_ENV_VAR_FMT)
_CONFIG_KEY_RE = re.compile(_CONFIG_KEY_FMT)
PERCENT_RE = re.compile(_PERCENT_FMT)
_PORT_NAME_RE = re.compile("[-a-z0-9]+")
_LETTER_RE = re.compile("[a-z]")

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
_PORT_NAME_MAX = 15
_CRONJOB_NAME_MAX = 52


def _format_hint(what: str, fmt: str, *examples: str) -> str:
    shown = ",  or ".join(f"'{e}'" for e in examples)
    return f"{what} (e.g. {shown}, regex used for validation is '{fmt}')"


_DNS1123_LABEL_MSG = _format_hint(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character",
    _DNS1123_LABEL_FMT,
    "my-name",
    "123-abc",
)
_DNS1123_SUBDOMAIN_MSG = _format_hint(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character",
    _DNS1123_SUBDOMAIN_FMT,
    "example.com",
)
_DNS1035_LABEL_MSG = _format_hint(
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character",
    _DNS1035_LABEL_FMT,
    "my-name",
    "abc-123",
)
_QUALIFIED_NAME_MSG = _format_hint(
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character",
    _QUALIFIED_NAME_FMT,
    "MyName",
    "my.name",
    "123-abc",
)
_LABEL_VALUE_MSG = _format_hint(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character",
    _LABEL_VALUE_FMT,
    "MyValue",
    "my_value",
    "12345",
)
ENV_VAR_MSG = _format_hint(
    "a valid environment variable name must consist of alphabetic characters, digits, '_', "
    "'-', or '.', and must not start with a digit",
    _ENV_VAR_FMT,
    "my.env-name",
    "MY_ENV.NAME",
    "MyEnvName1",
)
_CONFIG_KEY_MSG = _format_hint(
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
    _CONFIG_KEY_FMT,
    "key.name",
    "KEY_NAME",
    "key-name",
)
PERCENT_MSG = _format_hint(
    "a valid percent string must be a numeric string followed by an ending '%'",
    _PERCENT_FMT,
    "1%",
    "93%",
)


def too_long_msg(limit: int) -> str:
    return f"must be no more than {limit} characters"


def dns1123_label_errors(value: str) -> list[str]:
    msgs = [too_long_msg(LABEL_MAX)] if len(value) > LABEL_MAX else []
    if not _DNS1123_LABEL_RE.fullmatch(value):
        msgs.append(_DNS1123_LABEL_MSG)
    return msgs


def dns1123_subdomain_errors(value: str) -> list[str]:
    msgs = [too_long_msg(SUBDOMAIN_MAX)] if len(value) > SUBDOMAIN_MAX else []
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        msgs.append(_DNS1123_SUBDOMAIN_MSG)
    return msgs


def dns1035_label_errors(value: str) -> list[str]:
    msgs = [too_long_msg(LABEL_MAX)] if len(value) > LABEL_MAX else []
    if not _DNS1035_LABEL_RE.fullmatch(value):
        msgs.append(_DNS1035_LABEL_MSG)
    return msgs


def path_segment_errors(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def cronjob_name_errors(value: str) -> list[str]:
    msgs = dns1123_subdomain_errors(value)
    if len(value) > _CRONJOB_NAME_MAX:
        msgs.append(too_long_msg(_CRONJOB_NAME_MAX))
    return msgs


def qualified_name_errors(value: str) -> list[str]:
    """Label keys, annotation keys, finalizers: `[prefix/]name`, prefix a DNS subdomain."""
    if not isinstance(value, str):
        return ["must be a string"]
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + _QUALIFIED_NAME_MSG
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    msgs: list[str] = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            msgs.append("prefix part must be non-empty")
        else:
            msgs.extend("prefix part " + m for m in dns1123_subdomain_errors(prefix))
    if not name:
        msgs.append("name part must be non-empty")
        return msgs
    if len(name) > LABEL_MAX:
        msgs.append("name part " + too_long_msg(LABEL_MAX))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        msgs.append("name part " + _QUALIFIED_NAME_MSG)
    return msgs


def label_value_errors(value: str) -> list[str]:
    msgs = [too_long_msg(LABEL_MAX)] if len(value) > LABEL_MAX else []
    if not _LABEL_VALUE_RE.fullmatch(value):
        msgs.append(_LABEL_VALUE_MSG)
    return msgs


def port_name_errors(value: str) -> list[str]:
    """IANA_SVC_NAME: container port names, named target ports."""
    msgs: list[str] = []
    if len(value) > _PORT_NAME_MAX:
        msgs.append(too_long_msg(_PORT_NAME_MAX))
    if not _PORT_NAME_RE.fullmatch(value):
        msgs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        msgs.append("must not contain consecutive hyphens")
    if not _LETTER_RE.search(value):
        msgs.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        msgs.append("must not begin or end with a hyphen")
    return msgs


def config_key_errors(value: str) -> list[str]:
    if not isinstance(value, str):
        return ["must be a string"]
    msgs = [too_long_msg(SUBDOMAIN_MAX)] if len(value) > SUBDOMAIN_MAX else []
    if not _CONFIG_KEY_RE.fullmatch(value):
        msgs.append(_CONFIG_KEY_MSG)
    if value in (".", ".."):
        msgs.append(f"must not be '{value}'")
    elif value.startswith(".."):
        msgs.append("must not start with '..'")
    return msgs


def is_dns1123_label(s: str) -> bool:
    return isinstance(s, str) and not dns1123_label_errors(s)


def is_dns1123_subdomain(s: str) -> bool:
    return isinstance(s, str) and not dns1123_subdomain_errors(s)
