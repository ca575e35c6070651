"""Request body decoding: the bounds that keep a hostile body cheap (minik8s.api.decode)."""

from __future__ import annotations

import time

import pytest

from minik8s.api.decode import MAX_ALIAS_NODES, MAX_DEPTH, DecodeError, decode


def yaml_bomb(levels: int) -> bytes:
    """A "billion laughs": each level is nine aliases of the one before."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    return ("data:\n" + "\n".join("  " + line for line in lines) + "\n").encode()


def refused(raw: bytes, yaml_body: bool = False) -> str:
    with pytest.raises(DecodeError) as e:
        decode(raw, yaml_body)
    return str(e.value)


def test_plain_json_and_yaml_decode_as_before() -> None:
    body = b'{"kind":"ConfigMap","data":{"a":"b"},"n":[1,-2,3.5,true,null],'
    body += b'"u":"\\u00e9\\ud83d\\ude00"}'
    assert decode(body) == {
        "kind": "ConfigMap",
        "data": {"a": "b"},
        "n": [1, -2, 3.5, True, None],
        "u": "é😀",
    }
    text = b"kind: ConfigMap\ndata:\n  a: b\nn: [1, -2, 3.5, true, null]\n"
    assert decode(text, yaml_body=True) == {
        "kind": "ConfigMap",
        "data": {"a": "b"},
        "n": [1, -2, 3.5, True, None],
    }


def test_yaml_bomb_is_refused_before_it_expands() -> None:
    started = time.perf_counter()
    assert "excessive aliasing" in refused(yaml_bomb(9), yaml_body=True)
    assert time.perf_counter() - started < 0.1
    # A few aliases are fine (anchors for shared snippets are ordinary YAML).
    assert decode(yaml_bomb(3), yaml_body=True)["data"]["l2"][0][0] == ["lol"] * 9


def test_alias_budget_counts_expanded_nodes() -> None:
    # 11 distinct nodes, each alias adds 10: just under and just over the budget.
    fits = MAX_ALIAS_NODES // 10
    base = b"a: &a [1,2,3,4,5,6,7,8,9]\nb: ["
    assert len(decode(base + b",".join([b"*a"] * fits) + b"]", yaml_body=True)["b"]) == fits
    over = base + b",".join([b"*a"] * (fits + 1)) + b"]"
    assert "excessive aliasing" in refused(over, yaml_body=True)


def test_recursive_alias_is_refused() -> None:
    assert "contains it" in refused(b"&a [*a]", yaml_body=True)


@pytest.mark.parametrize("yaml_body", [False, True])
def test_nesting_is_bounded(yaml_body: bool) -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert decode(ok, yaml_body) is not None
    for depth in (MAX_DEPTH + 1, 5000, 100_000):
        deep = b"[" * depth + b"]" * depth
        assert "nest" in refused(deep, yaml_body)
    deep_objects = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert "nest" in refused(deep_objects)


def test_block_yaml_nesting_is_bounded() -> None:
    deep = "".join(" " * i + "a:\n" for i in range(MAX_DEPTH + 1)) + " " * 200 + "b\n"
    assert "nest" in refused(deep.encode(), yaml_body=True)


@pytest.mark.parametrize(
    ("raw", "yaml_body"),
    [
        (b'{"metadata":{"name":"a","name":"b"}}', False),
        (b"metadata:\n  name: a\n  name: b\n", True),
        (b'metadata: {name: a, "name": b}', True),
    ],
)
def test_duplicate_keys_are_refused(raw: bytes, yaml_body: bool) -> None:
    assert refused(raw, yaml_body) == 'duplicate field "name"'


def test_yaml_merge_keys_may_override() -> None:
    doc = b"base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  x: 3\n"
    assert decode(doc, yaml_body=True)["d"] == {"x": 3, "y": 2}


@pytest.mark.parametrize("yaml_body", [False, True])
def test_invalid_utf8_is_refused(yaml_body: bool) -> None:
    assert "invalid UTF-8 at byte" in refused(b'{"a": "\xff\xfe"}', yaml_body)
    # An encoded surrogate (CESU-8) is not UTF-8 either.
    assert "invalid UTF-8" in refused(b'{"a": "\xed\xa0\x80"}', yaml_body)


def test_lone_surrogate_escape_is_refused() -> None:
    assert "surrogate" in refused(b'{"a": "\\ud800"}')
    assert "surrogate" in refused(b'{"\\uDC00": 1}')
    # Escaped backslashes are not escapes.
    assert decode(b'{"a": "\\\\ud800"}') == {"a": "\\ud800"}


@pytest.mark.parametrize(
    ("raw", "yaml_body"),
    [
        (b'{"a": 9223372036854775808}', False),
        (b'{"a": -9223372036854775809}', False),
        (b'{"a": ' + b"9" * 5000 + b"}", False),
        (b"a: 9223372036854775808", True),
        (b"a: 0x1ffffffffffffffff", True),
    ],
)
def test_integers_beyond_int64_are_refused(raw: bytes, yaml_body: bool) -> None:
    assert "does not fit in 64 bits" in refused(raw, yaml_body)


def test_int64_limits_are_accepted() -> None:
    assert decode(b"[9223372036854775807, -9223372036854775808]") == [2**63 - 1, -(2**63)]


@pytest.mark.parametrize(
    ("raw", "yaml_body"),
    [
        (b'{"a": 1e400}', False),
        (b'{"a": -1e400}', False),
        (b'{"a": NaN}', False),
        (b'{"a": Infinity}', False),
        (b"a: .inf", True),
        (b"a: .nan", True),
        (b"a: 1.0e+400", True),  # YAML 1.1 floats need the sign
    ],
)
def test_non_finite_numbers_are_refused(raw: bytes, yaml_body: bool) -> None:
    refused(raw, yaml_body)


def test_yaml_values_become_json_values() -> None:
    doc = b"80: http\ntrue: yes-key\nwhen: 2020-01-01\nblob: !!binary aGk=\n"
    assert decode(doc, yaml_body=True) == {
        "80": "http",
        "true": "yes-key",
        "when": "2020-01-01",
        "blob": "aGk=",
    }


@pytest.mark.parametrize(
    "doc",
    [
        b"!!set {a, b}",
        b"!!omap [a: 1]",
        b"!!python/object/apply:os.system [echo]",
        b"? [a, b]\n: 1\n",
        b"a: !!int abc",
        b"a: !!bool maybe",
        b"a: 1\n---\nb: 2\n",
    ],
)
def test_yaml_outside_json_is_refused(doc: bytes) -> None:
    refused(doc, yaml_body=True)
