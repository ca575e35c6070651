"""Kubernetes resource quantities (`100m`, `128Mi`, `1e3`) as exact decimals.

Requests, limits, node capacity and emptyDir size limits are all written as quantities.
Validation must reject the ones Kubernetes rejects, the QoS computation and the scheduler
must compare them exactly, so they are parsed into `Decimal` (never float: `0.1 + 0.2`
CPUs must equal `300m`). CPU is then counted in whole millicores and memory in whole bytes,
both rounded up, the way `Quantity.MilliValue()` and `Quantity.Value()` round.

Grammar (Kubernetes' `resource.Quantity`):

    quantity = signed-number [ binary-suffix | decimal-suffix | decimal-exponent ]
    binary-suffix  = Ki | Mi | Gi | Ti | Pi | Ei
    decimal-suffix = n | u | m | "" | k | M | G | T | P | E
    decimal-exponent = ( e | E ) signed-integer
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation

__all__ = ["parse_quantity", "parse_cpu_millis", "parse_bytes"]

_MULTIPLIERS: dict[str, Decimal] = {
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}

# The exponent alternative comes first so that "1e3" is 1000 while a bare "1E" is one exa.
_QUANTITY_RE = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<exponent>[eE][+-]?[0-9]+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?"
)

_REGEX_HINT = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

# Exponents beyond this are certainly nonsense for a resource amount and would make the
# Decimal arithmetic slow; Kubernetes itself caps quantities far below.
_MAX_EXPONENT = 100


def parse_quantity(s: str | int | float) -> Decimal:
    """The exact value of a Kubernetes quantity; raises `ValueError` when it is not one."""
    if isinstance(s, bool):
        raise ValueError(f"quantity must be a string or a number, not {s!r}")
    if isinstance(s, int):
        return Decimal(s)
    if isinstance(s, float):
        if not math.isfinite(s):
            raise ValueError(f"quantity must be a finite number, not {s!r}")
        return Decimal(repr(s))
    if not isinstance(s, str):
        raise ValueError(f"quantity must be a string or a number, not {type(s).__name__}")
    match = _QUANTITY_RE.fullmatch(s)
    if match is None:
        raise ValueError(
            f"quantity {s!r} is not valid: quantities must match the regular expression "
            f"'{_REGEX_HINT}' (e.g. '100m', '0.5', '128Mi', '1G', '1e3')"
        )
    number = Decimal(match.group("number"))
    exponent = match.group("exponent")
    if exponent is not None:
        power = int(exponent[1:])
        if abs(power) > _MAX_EXPONENT:
            raise ValueError(f"quantity {s!r} is not valid: exponent out of range")
        return number.scaleb(power)
    return number * _MULTIPLIERS[match.group("suffix") or ""]


def _ceil(value: Decimal) -> int:
    try:
        return int(value.to_integral_value(rounding=ROUND_CEILING))
    except (InvalidOperation, OverflowError) as exc:  # pragma: no cover - guarded by regex
        raise ValueError(f"quantity {value} is out of range") from exc


def parse_cpu_millis(q: str | int | float) -> int:
    """CPU in millicores, rounded up like `Quantity.MilliValue()`: "100m" → 100, "1" → 1000."""
    return _ceil(parse_quantity(q) * 1000)


def parse_bytes(q: str | int | float) -> int:
    """A byte count, rounded up like `Quantity.Value()`: "128Mi" → 134217728, "1k" → 1000."""
    return _ceil(parse_quantity(q))
