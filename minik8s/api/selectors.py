"""Label selectors and field selectors, with Kubernetes' syntax and matching rules.

Clients filter lists and watches with `?labelSelector=` and `?fieldSelector=`; controllers
select their pods with a `metav1.LabelSelector` (`matchLabels` + `matchExpressions`) or, for a
Service, a plain map. All of those end up here so the API server, the informer cache and the
controllers agree on what matches what.

The rules that surprise people and are kept on purpose, because real clients rely on them:

* `key!=value` and `key notin (...)` match objects that do not carry the key at all.
* An empty selector (`""`, `{}`) matches everything; a nil `metav1.LabelSelector` (`None`)
  matches nothing.
* A field selector compares strings; a field an object lacks is the empty string, so
  `spec.nodeName=` selects unscheduled pods.
* Only the fields a kind declares may be used in a field selector (`check_field_selector`);
  anything else is a 400 'field label not supported: ...'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from minik8s.api.dig import dig
from minik8s.api.kind import ResourceInfo

__all__ = [
    "FieldSelector",
    "LabelSelector",
    "Requirement",
    "SelectorError",
    "check_field_selector",
    "selectable_fields",
    "supported_fields",
]


class SelectorError(ValueError):
    """A selector that cannot be parsed or validated; the message names the bad part."""


# --------------------------------------------------------------------------------------------
# Validation of label keys and values (qualified names and label values)
# --------------------------------------------------------------------------------------------

_NAME_MAX = 63
_PREFIX_MAX = 253
_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
_NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character"
)


def _key_problem(key: str) -> str | None:
    """Why `key` is not a qualified name (`[prefix/]name`), or None when it is one."""
    prefix, slash, name = key.rpartition("/")
    if slash and "/" in prefix:
        return "a qualified name must have at most one '/'"
    if slash:
        if not prefix:
            return "prefix part must be non-empty"
        if len(prefix) > _PREFIX_MAX:
            return f"prefix part must be no more than {_PREFIX_MAX} characters"
        if not _DNS_SUBDOMAIN_RE.match(prefix):
            return "prefix part must be a lowercase RFC 1123 subdomain"
    if not name:
        return "name part must be non-empty"
    if len(name) > _NAME_MAX:
        return f"name part must be no more than {_NAME_MAX} characters"
    if not _NAME_RE.match(name):
        return f"name part {_NAME_RULE}"
    return None


def _value_problem(value: str) -> str | None:
    """Why `value` is not a valid label value, or None. The empty string is valid."""
    if len(value) > _NAME_MAX:
        return f"must be no more than {_NAME_MAX} characters"
    if value and not _NAME_RE.match(value):
        return f"a valid label value {_NAME_RULE}"
    return None


# --------------------------------------------------------------------------------------------
# Label selector requirements
# --------------------------------------------------------------------------------------------

EQUALS = "="
NOT_EQUALS = "!="
IN = "in"
NOT_IN = "notin"
EXISTS = "exists"
DOES_NOT_EXIST = "!"
GREATER_THAN = "gt"
LESS_THAN = "lt"

_OPERATORS = frozenset(
    {EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN}
)
# metav1.LabelSelectorRequirement operators → ours.
_EXPRESSION_OPERATORS = {
    "In": IN,
    "NotIn": NOT_IN,
    "Exists": EXISTS,
    "DoesNotExist": DOES_NOT_EXIST,
}


@dataclass(frozen=True)
class Requirement:
    """One term of a label selector: `key operator values`.

    Construction validates the key, the values and their number for the operator, so every
    Requirement in existence is a valid one. Set-based operators keep their values sorted and
    unique, which makes equal selectors compare and print equal.
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise SelectorError(problem)

    def _problem(self) -> str | None:
        if self.operator not in _OPERATORS:
            return f"{self.operator!r} is not a valid label selector operator"
        key_problem = _key_problem(self.key)
        if key_problem:
            return f"invalid label key {self.key!r}: {key_problem}"
        count_problem = self._count_problem()
        if count_problem:
            return count_problem
        for value in self.values:
            value_problem = _value_problem(value)
            if value_problem:
                return f"invalid label value {value!r} for key {self.key!r}: {value_problem}"
        if self.operator in (GREATER_THAN, LESS_THAN) and not _INTEGER_RE.match(self.values[0]):
            return f"for 'gt', 'lt' operators, the value must be an integer: {self.values[0]!r}"
        return None

    def _count_problem(self) -> str | None:
        n = len(self.values)
        if self.operator in (IN, NOT_IN) and n == 0:
            return "for 'in', 'notin' operators, values set can't be empty"
        if self.operator in (EQUALS, NOT_EQUALS) and n != 1:
            return "exact-match compatibility requires one single value"
        if self.operator in (EXISTS, DOES_NOT_EXIST) and n != 0:
            return "values set must be empty for exists and does not exist"
        if self.operator in (GREATER_THAN, LESS_THAN) and n != 1:
            return "for 'gt', 'lt' operators, exactly one value is required"
        return None

    @classmethod
    def of(cls, key: str, operator: str, values: Iterable[str] = ()) -> Requirement:
        """Build a requirement, normalising `==` to `=` and sorting set values."""
        op = EQUALS if operator == "==" else operator
        vals = tuple(values)
        if op in (IN, NOT_IN):
            vals = tuple(sorted(set(vals)))
        return cls(key, op, vals)

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        op = self.operator
        if op == EXISTS:
            return present
        if op == DOES_NOT_EXIST:
            return not present
        if op in (EQUALS, IN):
            return present and labels[self.key] in self.values
        if op in (NOT_EQUALS, NOT_IN):
            return not present or labels[self.key] not in self.values
        return present and self._compare(labels[self.key])

    def _compare(self, label_value: str) -> bool:
        if not _INTEGER_RE.match(label_value):
            return False
        have, want = int(label_value), int(self.values[0])
        return have > want if self.operator == GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op == EXISTS:
            return self.key
        if op == DOES_NOT_EXIST:
            return f"!{self.key}"
        if op in (IN, NOT_IN):
            return f"{self.key} {op} ({','.join(self.values)})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        return f"{self.key}{symbol}{self.values[0]}"


# --------------------------------------------------------------------------------------------
# Parsing the query-string syntax
# --------------------------------------------------------------------------------------------

_SPECIAL = "!=(),<>"
_MULTI_CHAR = ("!=", "==")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses (`a in (x,y),b` → 2 parts)."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth <= 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _tokens(text: str) -> list[str]:
    """Lex one requirement: identifiers and the operator symbols, whitespace dropped."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text[i : i + 2] in _MULTI_CHAR:
            out.append(text[i : i + 2])
            i += 2
        elif ch in _SPECIAL:
            out.append(ch)
            i += 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            out.append(text[i:j])
            i = j
    return out


def _is_identifier(token: str) -> bool:
    return bool(token) and token[0] not in _SPECIAL


class _RequirementParser:
    """A recursive-descent parser for a single requirement's tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.pos = 0

    def fail(self, detail: str) -> SelectorError:
        return SelectorError(f'unable to parse requirement: "{self.text.strip()}": {detail}')

    def peek(self) -> str:
        return self.toks[self.pos] if self.pos < len(self.toks) else ""

    def take(self) -> str:
        tok = self.peek()
        self.pos += 1
        return tok

    def expect_end(self) -> None:
        if self.pos < len(self.toks):
            raise self.fail(f"found '{self.peek()}', expected: ',' or end of string")

    def identifier(self, what: str) -> str:
        tok = self.take()
        if not _is_identifier(tok):
            raise self.fail(f"found '{tok}', expected: {what}")
        return tok

    def parse(self) -> Requirement:
        try:
            return self._parse()
        except SelectorError as err:
            if str(err).startswith("unable to parse requirement"):
                raise
            raise self.fail(str(err)) from None

    def _parse(self) -> Requirement:
        if self.peek() == "!":
            self.take()
            key = self.identifier("identifier after '!'")
            self.expect_end()
            return Requirement.of(key, DOES_NOT_EXIST)
        key = self.identifier("identifier or '!'")
        op = self.take()
        if op == "":
            return Requirement.of(key, EXISTS)
        if op in ("=", "==", "!="):
            return Requirement.of(key, op, (self.exact_value(),))
        if op in (">", "<"):
            value = self.identifier("an integer value")
            self.expect_end()
            return Requirement.of(key, GREATER_THAN if op == ">" else LESS_THAN, (value,))
        if op in (IN, NOT_IN):
            return Requirement.of(key, op, self.value_set())
        raise self.fail(f"found '{op}', expected: in, notin, =, ==, !=, gt, lt")

    def exact_value(self) -> str:
        tok = self.peek()
        if tok == "":
            return ""
        value = self.identifier("identifier or end of string")
        self.expect_end()
        return value

    def value_set(self) -> list[str]:
        opening = self.take()
        if opening != "(":
            raise self.fail(f"found '{opening}', expected: '('")
        values: list[str] = []
        current: str | None = None
        while True:
            tok = self.take()
            if tok == ")":
                break
            if tok == ",":
                values.append(current or "")
                current = None
            elif _is_identifier(tok) and current is None:
                current = tok
            else:
                raise self.fail(f"found '{tok}', expected: ',' or ')'")
        if current is not None or values:
            values.append(current or "")
        self.expect_end()
        return values


def _parse_requirements(text: str) -> list[Requirement]:
    if not text.strip():
        return []
    requirements: list[Requirement] = []
    for part in _split_top_level(text):
        if not part.strip():
            raise SelectorError(
                f"unable to parse requirement: \"{text}\": found '', expected: identifier"
            )
        requirements.append(_RequirementParser(part).parse())
    return requirements


# --------------------------------------------------------------------------------------------
# Label selectors
# --------------------------------------------------------------------------------------------


def _sorted(requirements: list[Requirement]) -> tuple[Requirement, ...]:
    # Stable by key, as Kubernetes orders them; it makes str() canonical.
    return tuple(sorted(requirements, key=lambda r: r.key))


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of requirements. `nothing=True` is the nil selector that matches nothing."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @classmethod
    def everything(cls) -> LabelSelector:
        return cls()

    @classmethod
    def match_nothing(cls) -> LabelSelector:
        return cls(nothing=True)

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        """Parse `app=web,tier!=db,env in (a,b),!legacy,has,x>1`; "" matches everything."""
        return cls(_sorted(_parse_requirements(text)))

    @classmethod
    def from_set(cls, labels: Mapping[str, str]) -> LabelSelector:
        """Equality on every pair, like a Service's `spec.selector`; {} matches everything."""
        return cls(_sorted([Requirement.of(k, EQUALS, (v,)) for k, v in labels.items()]))

    @classmethod
    def from_dict(cls, sel: Mapping[str, Any] | None) -> LabelSelector:
        """Convert a `metav1.LabelSelector`; None matches nothing, {} matches everything."""
        if sel is None:
            return cls.match_nothing()
        requirements = [
            Requirement.of(_expect_str(k, "matchLabels key"), EQUALS, (_expect_str(v, k),))
            for k, v in (sel.get("matchLabels") or {}).items()
        ]
        requirements.extend(_expression(e) for e in sel.get("matchExpressions") or [])
        return cls(_sorted(requirements))

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        have = labels or {}
        return all(r.matches(have) for r in self.requirements)

    def empty(self) -> bool:
        """True when the selector matches everything (no requirements, not the nil selector)."""
        return not self.nothing and not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _expect_str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise SelectorError(f"{what}: expected a string, got {value!r}")
    return value


def _expression(expr: Any) -> Requirement:
    if not isinstance(expr, Mapping):
        raise SelectorError(f"matchExpressions: expected an object, got {expr!r}")
    operator = expr.get("operator")
    if operator not in _EXPRESSION_OPERATORS:
        raise SelectorError(f"{operator!r} is not a valid label selector operator")
    key = _expect_str(expr.get("key"), "matchExpressions key")
    values = [_expect_str(v, key) for v in expr.get("values") or []]
    return Requirement.of(key, _EXPRESSION_OPERATORS[operator], values)


# --------------------------------------------------------------------------------------------
# Field selectors
# --------------------------------------------------------------------------------------------

_FIELD_OPERATORS = ("!=", "==", "=")  # longest first, as a term is scanned left to right


def _split_unescaped(text: str, sep: str) -> Iterator[str]:
    start = 0
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == sep:
            yield text[start:i]
            start = i + 1
        i += 1
    yield text[start:]


def _split_term(term: str) -> tuple[str, str, str]:
    i = 0
    while i < len(term):
        if term[i] == "\\":
            i += 2
            continue
        for op in _FIELD_OPERATORS:
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
        i += 1
    raise SelectorError(f"invalid selector: '{term}'; can't understand '{term}'")


def _unescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 >= len(value):
                raise SelectorError(f"unterminated escape sequence in field value {value!r}")
            nxt = value[i + 1]
            if nxt not in "\\,=":
                raise SelectorError(f"invalid escape sequence '\\{nxt}' in field value {value!r}")
            out.append(nxt)
            i += 2
            continue
        if ch in ",=":
            raise SelectorError(f"invalid field value {value!r}: unescaped '{ch}'")
        out.append(ch)
        i += 1
    return "".join(out)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


@dataclass(frozen=True)
class FieldSelector:
    """A conjunction of `(field, "=" | "!=", value)` terms over an object's selectable fields."""

    requirements: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> FieldSelector:
        """Parse `metadata.name=x,spec.nodeName!=`; `\\,`, `\\=` and `\\\\` escape a value."""
        terms: list[tuple[str, str, str]] = []
        for part in _split_unescaped(text, ","):
            if not part:
                continue
            field, op, raw = _split_term(part)
            if not field:
                raise SelectorError(f"invalid selector: '{part}'; no field name")
            terms.append((field, "=" if op == "==" else op, _unescape(raw)))
        return cls(tuple(sorted(terms)))

    def matches(self, fields: Mapping[str, str]) -> bool:
        for field, op, value in self.requirements:
            equal = fields.get(field, "") == value
            if equal != (op == "="):
                return False
        return True

    def fields(self) -> set[str]:
        return {field for field, _, _ in self.requirements}

    def empty(self) -> bool:
        return not self.requirements

    def exact_value(self, field: str) -> str | None:
        """The value `field` must equal, when the selector pins it (for indexed lookups)."""
        for name, op, value in self.requirements:
            if name == field and op == "=":
                return value
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{_escape(v)}" for f, op, v in self.requirements)


# --------------------------------------------------------------------------------------------
# Which fields each kind lets a field selector use
# --------------------------------------------------------------------------------------------

# label → (dotted path in the object, value when absent)
_Source = tuple[str, str]

_COMMON: dict[str, _Source] = {
    "metadata.name": ("metadata.name", ""),
    "metadata.namespace": ("metadata.namespace", ""),
}


def _as_field_value(value: Any, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sources(info: ResourceInfo) -> dict[str, _Source]:
    return {**_COMMON, **info.selectable}


def supported_fields(info: ResourceInfo) -> frozenset[str]:
    """The field labels a field selector may use for this kind."""
    return frozenset(_sources(info))


def selectable_fields(info: ResourceInfo, obj: Mapping[str, Any]) -> dict[str, str]:
    """Every selectable field of `obj` as a string; absent values are "" (or "0"/"false")."""
    return {
        label: _as_field_value(dig(obj, path), default)
        for label, (path, default) in _sources(info).items()
    }


def check_field_selector(info: ResourceInfo, sel: FieldSelector) -> None:
    """Raise SelectorError for the first field this kind does not support."""
    allowed = supported_fields(info)
    for field in sorted(sel.fields()):
        if field not in allowed:
            raise SelectorError(f"field label not supported: {field}")


def field_matcher(info: ResourceInfo, sel: FieldSelector) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over whole objects of this kind (checks the selector first)."""
    check_field_selector(info, sel)
    if sel.empty():
        return lambda _obj: True
    return lambda obj: sel.matches(selectable_fields(info, obj))
