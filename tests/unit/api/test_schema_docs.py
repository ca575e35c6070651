"""Every declared schema is complete enough for `kubectl explain` and `kubectl apply`.

For each kind, and for the shared meta/v1 definitions, every definition it declares or
reaches is walked: a field without a description, a `Ref` to a definition nobody declares,
or a merge key (or list map key) that is not a property of the list's item type fails the
kind's test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

import pytest

from minik8s.api.kind import ResourceInfo
from minik8s.api.kinds import BUILTIN, meta
from minik8s.api.resources import BUILTIN_CATALOG
from minik8s.api.schema import (
    Array,
    Definition,
    MapOf,
    Member,
    Prop,
    Ref,
    Struct,
    definition_name,
    description_of,
    prop_of,
)

DEFINITIONS = BUILTIN_CATALOG.definitions()
# Each kind's own definition (and its list's) is rendered from its declaration, not named.
KIND_ROOTS = {
    definition_name(info.group, info.version, info.kind) + suffix
    for info in BUILTIN_CATALOG
    for suffix in ("", "List")
}


def refs(prop: Prop) -> Iterator[str]:
    """The definition names a property refers to, through lists and maps."""
    if isinstance(prop, Ref):
        yield prop.target
    elif isinstance(prop, Array):
        yield from refs(prop.items)
    elif isinstance(prop, MapOf):
        yield from refs(prop.values)


def reachable(roots: Iterable[str]) -> list[str]:
    """Every defined name reachable from `roots` (undefined ones are reported elsewhere)."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen or name not in DEFINITIONS:
            continue
        seen.add(name)
        definition = DEFINITIONS[name]
        if isinstance(definition, Struct):
            for member in definition.fields.values():
                pending.extend(refs(prop_of(member)))
    return sorted(seen)


def list_key_problems(where: str, prop: Array) -> Iterator[str]:
    keys = [key for key in dict.fromkeys((prop.merge_key, *prop.map_keys)) if key]
    if not keys:
        return
    target = prop.items.target if isinstance(prop.items, Ref) else ""
    item = DEFINITIONS.get(target)
    if not isinstance(item, Struct):
        yield f"{where}: keyed list of {prop.items!r}, not of a declared object type"
        return
    for key in keys:
        if key not in item.fields:
            yield f"{where}: list key {key!r} is not a property of {target}"


def member_problems(where: str, member: Member) -> Iterator[str]:
    if not description_of(member):
        yield f"{where}: no description"
    prop = prop_of(member)
    for target in refs(prop):
        if target not in DEFINITIONS and target not in KIND_ROOTS:
            yield f"{where}: refers to undefined {target}"
    while isinstance(prop, Array | MapOf):
        if isinstance(prop, Array):
            yield from list_key_problems(where, prop)
            prop = prop.items
        else:
            prop = prop.values


def definition_problems(name: str, definition: Definition) -> Iterator[str]:
    if not isinstance(definition, Struct):
        return  # a Raw definition is plain OpenAPI
    for field, member in definition.fields.items():
        yield from member_problems(f"{name}.{field}", member)


def problems(top_level: dict[str, Member], roots: Iterable[str]) -> list[str]:
    found = [p for field, m in top_level.items() for p in member_problems(field, m)]
    for name in reachable(roots):
        found.extend(definition_problems(name, DEFINITIONS[name]))
    return found


@pytest.mark.parametrize("info", [pytest.param(info, id=info.kind) for info in BUILTIN])
def test_kind_schema_is_complete_and_described(info: ResourceInfo) -> None:
    assert info.schema is not None, f"{info.kind} declares no schema"
    fields = dict(info.schema.fields)
    # What the kind declares (Binding, PodTemplateSpec, ...) and what its fields reach.
    roots = [*info.schema.definitions]
    roots += [target for member in fields.values() for target in refs(prop_of(member))]
    found = problems(fields, roots)
    assert not found, "\n".join(found)


def test_meta_definitions_are_complete_and_described() -> None:
    found = problems({}, meta.DEFINITIONS)
    assert not found, "\n".join(found)


def test_every_definition_is_declared_once() -> None:
    declared: Counter[str] = Counter(meta.DEFINITIONS.keys())
    for info in BUILTIN:
        if info.schema is not None:
            declared.update(info.schema.definitions.keys())
    assert [name for name, count in declared.items() if count > 1] == []


def test_the_checks_catch_what_they_should() -> None:
    undescribed = Struct({"name": "string"})
    assert list(definition_problems("X", undescribed)) == ["X.name: no description"]
    dangling = Struct({"spec": Ref("io.k8s.api.core.v1.NoSuchSpec")})
    assert "X.spec: refers to undefined io.k8s.api.core.v1.NoSuchSpec" in list(
        definition_problems("X", dangling)
    )
    wrong_key = Array(Ref("io.k8s.api.core.v1.Container"), "nom", "merge", "map", ("nom",))
    assert list(list_key_problems("X.containers", wrong_key)) == [
        "X.containers: list key 'nom' is not a property of io.k8s.api.core.v1.Container"
    ]
    untyped = Array("object", "name", "merge", "map", ("name",))
    assert len(list(list_key_problems("X.items", untyped))) == 1
