"""Query parameters parsed as Go's strconv parses them, one first value per name."""

from __future__ import annotations

import pytest

from minik8s.api import errors
from minik8s.api.params import ParseError, Query, format_bool, is_true, parse_bool, parse_int


@pytest.mark.parametrize("text", ["1", "t", "T", "TRUE", "true", "True"])
def test_the_true_forms(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["0", "f", "F", "FALSE", "false", "False"])
def test_the_false_forms(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["yes", "tRUE", "on", " true", "2", "", "труе"])
def test_anything_else_is_refused_in_go_words(text: str) -> None:
    with pytest.raises(ParseError) as e:
        parse_bool(text)
    assert str(e.value) == f'strconv.ParseBool: parsing "{text}": invalid syntax'


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("+7", 7), ("-12", -12), ("0042", 42), (str(2**63 - 1), 2**63 - 1)],
)
def test_integers(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["1.5", "1e3", " 1", "1_000", "٣", "0x10", "", "+", "nan"])
def test_what_python_would_take_but_go_does_not(text: str) -> None:
    with pytest.raises(ParseError) as e:
        parse_int(text)
    assert str(e.value) == f'strconv.ParseInt: parsing "{text}": invalid syntax'


def test_int64_range() -> None:
    assert parse_int(str(-(2**63))) == -(2**63)
    for text in (str(2**63), str(-(2**63) - 1), "99999999999999999999"):
        with pytest.raises(ParseError, match="value out of range"):
            parse_int(text)


def test_query_reads_the_first_value_and_names_the_parameter() -> None:
    q = Query([("watch", "True"), ("watch", "false"), ("limit", "5"), ("empty", "")])
    assert q.boolean("watch") is True  # Go's url.Values.Get: the first value
    assert q.integer("limit") == 5
    assert q.boolean("empty", True) is True and q.integer("empty", 3) == 3  # as if absent
    assert q.boolean("missing") is False and q.integer("missing") is None
    assert "limit" in q and "missing" not in q
    assert q.string("limit") == "5" and q.string("missing", "x") == "x"
    with pytest.raises(errors.BadRequest) as e:
        Query([("follow", "yes")]).boolean("follow")
    assert e.value.message == 'invalid follow: strconv.ParseBool: parsing "yes": invalid syntax'
    with pytest.raises(errors.BadRequest, match="invalid limit: strconv.ParseInt"):
        Query([("limit", "1.5")]).integer("limit")


def test_lenient_classification_and_formatting() -> None:
    assert is_true("True") and is_true("1") and not is_true("yes") and not is_true(None)
    assert (format_bool(True), format_bool(False)) == ("true", "false")
