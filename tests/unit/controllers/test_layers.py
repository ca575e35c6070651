"""No controller module imports another: shared helpers live in helper modules.

A controller module is one that defines a concrete controller (a class setting `name`);
the others (`base`, `podutil`, `podevents`, `expectations`, `history`, `jobutil`, `cron`)
are helpers any controller may import. Only `main.py`, which wires the controllers
together, imports controller modules. Checked on the source with `ast`, no import-linter.
"""

from __future__ import annotations

import ast
from pathlib import Path

import controllers

PACKAGE = Path(controllers.__file__).parent
WIRING = {"main", "__main__"}


def _tree(module: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{module}.py").read_text(), filename=f"{module}.py")


def _defines_controller(tree: ast.Module) -> bool:
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if (
                isinstance(item, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "name" for t in item.targets)
                and isinstance(item.value, ast.Constant)
                and isinstance(item.value.value, str)
                and item.value.value
            ):
                return True
    return False


def _imported_siblings(tree: ast.Module, modules: set[str]) -> set[str]:
    """The modules of the package that `tree` imports, however it spells the import."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:  # from . import x
                found.update(alias.name for alias in node.names)
            elif node.level == 1 and node.module is not None:  # from .x import y
                found.add(node.module.split(".")[0])
            elif node.level == 0 and (node.module or "").startswith("controllers."):
                found.add((node.module or "").split(".")[1])
            elif node.level == 0 and node.module == "controllers":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("controllers."):
                    found.add(alias.name.split(".")[1])
    return found & modules


def test_no_controller_module_imports_a_sibling_controller_module() -> None:
    trees = {path.stem: _tree(path.stem) for path in PACKAGE.glob("*.py")}
    controller_modules = {name for name, tree in trees.items() if _defines_controller(tree)}
    assert {"replicaset", "deployment", "daemonset", "statefulset", "job", "cronjob"} <= (
        controller_modules
    )
    offences = {
        name: sorted(_imported_siblings(tree, controller_modules) - {name})
        for name, tree in trees.items()
        if name not in WIRING
    }
    assert {name: found for name, found in offences.items() if found} == {}


def test_the_check_sees_every_spelling_of_an_import() -> None:
    source = (
        "from .job import x\nfrom . import deployment\nfrom controllers.daemonset import y\n"
        "import controllers.statefulset\nfrom controllers import cronjob\n"
        "from .podutil import claim\n"
    )
    modules = {"job", "deployment", "daemonset", "statefulset", "cronjob"}
    assert _imported_siblings(ast.parse(source), modules) == modules
