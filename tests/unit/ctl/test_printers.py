"""Table layout, YAML/JSON output and ages, checked against what kubectl prints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from minik8s.api import resources
from minik8s.ctl import printers
from minik8s.ctl.printers import TableOptions, render_table, tabwrite


def _column(name: str, priority: int = 0, fmt: str = "") -> dict[str, Any]:
    return {"name": name, "type": "string", "format": fmt, "priority": priority}


def _row(cells: list[Any], name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": ns, "labels": labels}
    return {"cells": cells, "object": {"kind": "PartialObjectMetadata", "metadata": meta}}


DEPLOYMENTS = {
    "kind": "Table",
    "columnDefinitions": [
        _column("Name", fmt="name"),
        _column("Ready"),
        _column("Up-to-date"),
        _column("Available"),
        _column("Age"),
    ],
    "rows": [
        _row(["web", "0/2", 0, 0, "1s"], "web", app="web"),
        _row(["backend-long-name", "3/3", 3, 3, "12m"], "backend-long-name", "prod"),
    ],
}


def test_tabwrite_pads_every_cell_but_the_last_to_the_widest_plus_three() -> None:
    lines = tabwrite([["NAME", "AGE"], ["a", "1s"], ["longer-name", "2d"]])
    assert lines == ["NAME          AGE", "a             1s", "longer-name   2d"]


def test_tabwrite_has_a_minimum_width_of_six() -> None:
    assert tabwrite([["A", "B", "C"], ["a2", "x", "y"]]) == ["A     B     C", "a2    x     y"]


def test_tabwrite_aligns_blocks_of_consecutive_lines_separately() -> None:
    # Go's elastic tabstops: a line without a cell in a column ends that column's block.
    lines = tabwrite(
        [["Name:", "web"], ["Containers:"], ["  Image:", "x"], ["  Environment:", "y"]],
        minwidth=0,
        padding=2,
    )
    assert lines == ["Name:  web", "Containers:", "  Image:        x", "  Environment:  y"]


def test_tabwrite_remembers_widths_across_calls() -> None:
    widths: list[int] = []
    first = tabwrite([["NAME", "AGE"], ["a", "1s"]], remembered=widths)
    later = tabwrite([["b", "2s"]], remembered=widths)
    wider = tabwrite([["a-much-longer-name", "3s"]], remembered=widths)
    assert first == ["NAME   AGE", "a      1s"]
    assert later == ["b      2s"]
    assert wider == ["a-much-longer-name   3s"]
    assert tabwrite([["c", "4s"]], remembered=widths) == ["c                    4s"]


def test_render_table_upper_cases_headers_and_separates_columns_by_three_spaces() -> None:
    assert render_table(DEPLOYMENTS, TableOptions()) == [
        "NAME                READY   UP-TO-DATE   AVAILABLE   AGE",
        "web                 0/2     0            0           1s",
        "backend-long-name   3/3     3            3           12m",
    ]


def test_all_namespaces_adds_a_namespace_column_from_the_row_objects() -> None:
    lines = render_table(DEPLOYMENTS, TableOptions(with_namespace=True))
    assert lines[0].startswith("NAMESPACE   NAME ")
    assert lines[1].startswith("default     web ")
    assert lines[2].startswith("prod        backend-long-name ")


def test_show_labels_and_no_headers() -> None:
    lines = render_table(DEPLOYMENTS, TableOptions(show_labels=True, no_headers=True))
    assert lines[0].endswith("1s    app=web")
    assert lines[1].endswith("<none>")
    assert not any("NAME" in line for line in lines)


def test_several_types_prefix_names_with_the_kind() -> None:
    lines = render_table(DEPLOYMENTS, TableOptions(name_prefix="deployment.apps/"))
    width = len("deployment.apps/backend-long-name") + 3
    assert lines[0].startswith("NAME".ljust(width) + "READY")
    assert lines[1].startswith("deployment.apps/web".ljust(width) + "0/2")


def test_wide_columns_are_printed_when_the_table_has_them() -> None:
    # The client drops priority-1 columns unless -o wide; whatever it keeps is printed.
    wide = {
        "columnDefinitions": [_column("Name", fmt="name"), _column("Images", priority=1)],
        "rows": [_row(["web", "minik8s/httpd:latest"], "web")],
    }
    assert render_table(wide, TableOptions()) == [
        "NAME   IMAGES",
        "web    minik8s/httpd:latest",
    ]


def test_cells_print_like_go_fmt() -> None:
    assert printers.cell_text(None) == "<none>"
    assert printers.cell_text(True) == "true"
    assert printers.cell_text(3.0) == "3"
    assert printers.cell_text("a\nb") == "a"
    assert printers.cell_text({"b": 1, "a": 2}) == '{"a":2,"b":1}'


def test_yaml_is_sorted_block_style_with_literal_multiline_strings() -> None:
    text = printers.to_yaml(
        {
            "metadata": {"name": "web", "annotations": {"x": '{"a":1}\n'}},
            "apiVersion": "v1",
            "items": [{"b": 1}],
            "when": "2025-01-01T00:00:00Z",
            "flag": "y",
            "long": "x" * 200,
        }
    )
    assert text.splitlines() == [
        "apiVersion: v1",
        'flag: "y"',
        "items:",
        "- b: 1",
        "long: " + "x" * 200,
        "metadata:",
        "  annotations:",
        "    x: |",
        '      {"a":1}',
        "  name: web",
        'when: "2025-01-01T00:00:00Z"',
    ]


def test_json_is_indented_by_four_with_sorted_keys() -> None:
    assert printers.to_json({"b": 1, "a": [1]}) == '{\n    "a": [\n        1\n    ],\n    "b": 1\n}'


def test_lists_and_names() -> None:
    deploy = resources.resolve("deploy")
    assert deploy is not None
    item = printers.with_type({"metadata": {"name": "web"}}, deploy)
    assert printers.object_name(item) == "deployment.apps/web"
    assert printers.object_name(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
    ) == ("service/s")
    assert printers.as_list([item]) == {
        "apiVersion": "v1",
        "items": [item],
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


def test_human_durations() -> None:
    cases = {
        timedelta(seconds=5): "5s",
        timedelta(seconds=119): "119s",
        timedelta(minutes=3, seconds=20): "3m20s",
        timedelta(minutes=12): "12m",
        timedelta(hours=3, minutes=5): "3h5m",
        timedelta(hours=30): "30h",
        timedelta(days=3, hours=2): "3d2h",
        timedelta(days=100): "100d",
        timedelta(days=800): "2y70d",
        timedelta(seconds=-5): "<invalid>",
    }
    for delta, text in cases.items():
        assert printers.human_duration(delta) == text, delta


def test_times() -> None:
    assert printers.parse_time("2025-01-01T00:00:00.123456789Z") is not None
    assert printers.parse_time("yesterday") is None
    assert printers.format_time(None) == "<unknown>"
