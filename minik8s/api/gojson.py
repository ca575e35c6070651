"""JSON text as Kubernetes writes it (Go's `encoding/json`), so clients that compare text
see the same bytes.

The official Python client's `utils.create_from_yaml` raises errors whose text is the
response body as received, and tools diff what they read; so the API server writes what
kube-apiserver writes: compact separators, non-ASCII left as UTF-8, and Go's HTML-safe
escapes (`<`, `>`, `&`, U+2028 and U+2029 as `\\u003c`, `\\u003e`, `\\u0026`, `\\u2028`,
`\\u2029`), which Python's `json` leaves as they are. A whole response body ends with a
newline, as Go's `json.Encoder.Encode` ends it. Key order is the caller's: `Status`
bodies are built in Kubernetes' order (`errors.APIError.to_status`), stored objects are
put in their kind's order before they are written (`minik8s.api.canonical`).

Those characters only ever occur inside JSON strings, so escaping them in the encoded text
is the same as escaping them in every string; text without them (almost all) is checked by
a few C-speed scans and returned as is.
"""

from __future__ import annotations

import json
from typing import Any

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_HTML_SAFE = (
    ("&", "\\u0026"),  # first: the other replacements add no "&"
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def dumps(obj: Any) -> str:
    """Compact JSON with Go's escapes."""
    text = _encode(obj)
    for raw, escaped in _HTML_SAFE:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def body(obj: Any) -> bytes:
    """A whole response body: the JSON and the newline Go's encoder ends it with."""
    return (dumps(obj) + "\n").encode()
