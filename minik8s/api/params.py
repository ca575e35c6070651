"""Query parameters read the way Kubernetes' Go code reads them, in one place.

Clients write booleans and integers in query strings in more than one way: kubectl and
client-go send `true`, older releases of the official Python client send `True`, scripts
send `1`. Every reader of a query string (the API server's verbs, pods/log and
pods/exec, the kubelet's log and exec endpoints) goes through this module:

- a boolean is Go's `strconv.ParseBool`: `1 t T TRUE true True` and `0 f F FALSE false
  False`; anything else is refused;
- an integer is Go's `strconv.ParseInt(s, 10, 64)`: an optional sign and ASCII digits
  within int64 (no spaces, underscores, fractions or exponents, which Python's `int()`
  and `float()` would take);
- a parameter given twice counts by its first value, as Go's `url.Values.Get`.

Refusals carry Go's own wording (`strconv.ParseBool: parsing "yes": invalid syntax`);
`Query` turns them into a 400 `BadRequest` naming the parameter. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import errors

TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_DECIMAL = re.compile(r"[+-]?[0-9]+")


class ParseError(ValueError):
    """A value that Go's strconv would refuse; the message is strconv's."""


def parse_bool(text: str) -> bool:
    """Go's `strconv.ParseBool`."""
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ParseError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def parse_int(text: str, low: int = INT64_MIN, high: int = INT64_MAX) -> int:
    """Go's `strconv.ParseInt(text, 10, 64)` (narrower with `low`/`high`)."""
    if _DECIMAL.fullmatch(text) is None:
        raise ParseError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    if not low <= value <= high:
        raise ParseError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def format_bool(value: bool) -> str:
    """How Go writes a boolean back into a query string (`strconv.FormatBool`)."""
    return "true" if value else "false"


class Query:
    """One request's query string, read by type; a malformed value is a 400 naming it."""

    __slots__ = ("_first",)

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        first: dict[str, str] = {}
        for key, value in items:
            first.setdefault(key, value)
        self._first = first

    def __contains__(self, name: str) -> bool:
        return name in self._first

    def string(self, name: str, default: str = "") -> str:
        return self._first.get(name, default)

    def boolean(self, name: str, default: bool = False) -> bool:
        """Absent or empty is `default`."""
        text = self._first.get(name, "")
        if text == "":
            return default
        try:
            return parse_bool(text)
        except ParseError as e:
            raise errors.BadRequest(f"invalid {name}: {e}") from None

    def integer(
        self, name: str, default: int | None = None, low: int = INT64_MIN, high: int = INT64_MAX
    ) -> int | None:
        """Absent or empty is `default`."""
        text = self._first.get(name, "")
        if text == "":
            return default
        try:
            return parse_int(text, low, high)
        except ParseError as e:
            raise errors.BadRequest(f"invalid {name}: {e}") from None


def is_true(text: str | None) -> bool:
    """Lenient: whether a value reads as true, False for a malformed one (for callers that
    only classify a request, such as the overload filter, before its handler refuses it)."""
    return text is not None and text in TRUE
