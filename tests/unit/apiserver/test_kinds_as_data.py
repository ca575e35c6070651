"""The API server never asks which kind it holds: a kind's rules live in its declaration.

Checked on the source with `ast`: no comparison anywhere in `apiserver/` tests a kind's
name, kind or plural against a literal (`info.kind == "Pod"`, `t.info.plural in
("pods", ...)`). Comparing with another value (the body's `kind` with the path's) is fine.
Admission plugins compare whole declarations (`attrs.info == POD`), as Kubernetes'
plugins check the resource they handle; that stays allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import apiserver

PACKAGE = Path(apiserver.__file__).parent
NAMES = {"kind", "plural", "singular", "group_resource"}


def _literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_literal(e) for e in node.elts)
    return False


def _kind_name_comparisons(tree: ast.AST) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        named = any(isinstance(s, ast.Attribute) and s.attr in NAMES for s in sides)
        if named and any(_literal(s) for s in sides):
            found.append(node.lineno)
    return found


def test_no_module_of_the_api_server_branches_on_a_kind_name() -> None:
    offenders = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := _kind_name_comparisons(ast.parse(path.read_text(), filename=str(path))))
    }
    assert offenders == {}


def test_the_check_finds_a_branch_on_a_kind_name() -> None:
    tree = ast.parse(
        'if info.kind == "Pod" or t.info.plural in ("pods",) or a.kind == b:\n    pass\n'
    )
    assert _kind_name_comparisons(tree) == [1, 1]
