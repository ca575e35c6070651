"""A write's options (fieldManager, fieldValidation, force) and its Warning headers."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from apiserver.fieldmanager import MAX_WARNING_BYTES, warning_value, with_warnings
from apiserver.registry import SERVER_MANAGER, WriteOptions
from minik8s.api import errors
from minik8s.api.resources import lookup


def test_the_manager_is_the_field_manager_else_the_user_agents_product() -> None:
    assert (
        WriteOptions.from_query({"fieldManager": "ops"}, "kubectl/v1.32", "create").manager == "ops"
    )
    assert WriteOptions.from_query({}, "kubectl/v1.32.0 (linux/amd64)", "update").manager == (
        "kubectl"
    )
    assert WriteOptions.from_query({}, "a\x00b/1", "update").manager == "ab"
    assert WriteOptions.from_query({}, "x" * 300, "update").manager == "x" * 128
    assert WriteOptions().manager == SERVER_MANAGER


def test_field_validation_defaults_to_warn_and_refuses_other_values() -> None:
    assert WriteOptions.from_query({}, "", "create").validation == "Warn"
    assert WriteOptions.from_query({"fieldValidation": "Strict"}, "", "create").validation == (
        "Strict"
    )
    with pytest.raises(errors.Invalid) as e:
        WriteOptions.from_query({"fieldValidation": "strict"}, "", "update")
    assert e.value.message == (
        'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: '
        '"strict": supported values: "", "Ignore", "Strict", "Warn"'
    )


def test_apply_needs_a_manager_and_force_is_for_apply_only() -> None:
    with pytest.raises(errors.Invalid, match="fieldManager: Required value"):
        WriteOptions.from_query({}, "kubectl/1", "patch", apply=True)
    with pytest.raises(errors.Invalid, match="force: Forbidden"):
        WriteOptions.from_query({"force": "true"}, "k/1", "patch")
    with pytest.raises(errors.Invalid, match="fieldManager: Too long"):
        WriteOptions.from_query({"fieldManager": "m" * 129}, "", "create")
    for text, value in (("True", True), ("1", True), ("false", False), ("F", False)):
        opts = WriteOptions.from_query(
            {"fieldManager": "m", "force": text}, "", "patch", apply=True
        )
        assert opts.force is value
    with pytest.raises(errors.BadRequest):
        WriteOptions.from_query({"fieldManager": "m", "force": "yes"}, "", "patch", apply=True)


def test_unknown_fields_warn_or_fail() -> None:
    info = lookup("", "v1", "configmaps")
    assert info is not None
    body = {"metadata": {"name": "c"}, "data": {}, "dta": {}}
    warn = WriteOptions.from_query({}, "", "create")
    warn.check_fields(info, body)
    warn.check_fields(info, body)
    assert warn.warnings == ['unknown field "dta"']
    strict = WriteOptions.from_query({"fieldValidation": "Strict"}, "", "create")
    with pytest.raises(errors.BadRequest):
        strict.check_fields(info, body)
    strict.check_fields(info, body, body)  # already there: not this write's doing
    with pytest.raises(errors.Invalid, match=r"patch: Invalid value: .*unknown field"):
        strict.check_fields(info, body, {}, patch={"dta": {}})


def test_warning_headers_are_quoted_deduplicated_and_bounded() -> None:
    assert warning_value('unknown field "spec.foo"') == '299 - "unknown field \\"spec.foo\\""'
    # UTF-8 on the wire: Starlette writes the value as latin-1.
    assert warning_value("é").encode("latin-1").decode() == '299 - "é"'
    response = with_warnings(Response(b"{}"), ["a", "b", "a"])
    assert response.headers.getlist("warning") == ['299 - "a"', '299 - "b"']
    many = with_warnings(Response(b"{}"), [f"w{i:05}" + "x" * 100 for i in range(2000)])
    sent = many.headers.getlist("warning")
    assert 0 < len(sent) < 2000 and sum(map(len, sent)) <= MAX_WARNING_BYTES
