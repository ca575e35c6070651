"""ControllerRevisions: the template history of a controller (a DaemonSet's, here).

Kubernetes keeps every pod template a DaemonSet (or StatefulSet) has had as a
ControllerRevision it owns: `<owner>-<hash>`, `data` = the strategic merge patch that puts
the template back (`{"spec": {"template": {..., "$patch": "replace"}}}`), `revision` 1, 2,
… `kubectl rollout history` lists them and `kubectl rollout undo` sends a chosen one's
`data` as the patch, so the shape is the API, not a detail.

The rules (Kubernetes' `constructHistory` / `cleanupHistory` for DaemonSets):

* the owner's current template has exactly one revision, named by its hash; if none exists
  it is created with the highest number + 1; one that exists but is not the newest (an
  undo, or a re-applied old template) is renumbered to the highest + 1;
* a name taken by an object that is not ours with the same data is a hash collision: the
  caller raises `status.collisionCount`, which changes the hash;
* old revisions beyond `revisionHistoryLimit` (default 10) go, oldest first, skipping those
  whose hash a live pod still carries (the count includes those kept).

The pure parts (`snapshot`, `split`, `to_delete`) take plain objects; `ensure_current` does
the one or two writes. Callers run inside a controller's sync: one key per worker, so no
two calls race for one owner; a stale cache at worst repeats an idempotent write.
"""

from __future__ import annotations

from minik8s.api import errors
from minik8s.client import AsyncClient, copy_of

from .base import Obj, res
from .podutil import controller_ref, meta, owner_ref, uid_of

CONTROLLER_REVISIONS = res("controllerrevisions")
HASH_LABEL = "controller-revision-hash"
DEFAULT_HISTORY_LIMIT = 10


def template_patch(owner: Obj) -> Obj:
    """The revision data: a strategic merge patch that replaces the owner's pod template."""
    template = copy_of((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def snapshot(owner: Obj, hash_: str, number: int) -> Obj:
    """The ControllerRevision of the owner's current template (labels: the template's plus
    the hash; annotations: the owner's, which carry `kubernetes.io/change-cause`)."""
    template = (owner.get("spec") or {}).get("template") or {}
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    labels[HASH_LABEL] = hash_
    rmeta: Obj = {
        "name": f"{meta(owner).get('name', '')}-{hash_}",
        "namespace": meta(owner).get("namespace"),
        "labels": labels,
        "ownerReferences": [owner_ref(owner)],
    }
    if meta(owner).get("annotations"):
        rmeta["annotations"] = dict(meta(owner)["annotations"])
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": rmeta,
        "data": template_patch(owner),
        "revision": number,
    }


def revision_number(rev: Obj) -> int:
    try:
        return int(rev.get("revision") or 0)
    except (TypeError, ValueError):
        return 0


def revision_hash(rev: Obj) -> str:
    """The template hash a revision stands for: its label, else its name's last part."""
    label = (meta(rev).get("labels") or {}).get(HASH_LABEL)
    return str(label or str(meta(rev).get("name") or "").rpartition("-")[2])


def owned(revisions: list[Obj], owner: Obj) -> list[Obj]:
    """The revisions the owner controls (a controller ownerReference with its uid)."""
    uid = uid_of(owner)
    return [r for r in revisions if (controller_ref(r) or {}).get("uid") == uid]


def split(revisions: list[Obj], name: str) -> tuple[Obj | None, list[Obj]]:
    """(the revision called `name`, all the others)."""
    current = next((r for r in revisions if meta(r).get("name") == name), None)
    return current, [r for r in revisions if r is not current]


def to_delete(old: list[Obj], limit: int, live_hashes: set[str]) -> list[Obj]:
    """Old revisions to delete: beyond `limit`, oldest first, none a live pod still runs."""
    excess = len(old) - max(0, limit)
    out: list[Obj] = []
    for rev in sorted(old, key=revision_number):
        if excess <= 0:
            break
        if revision_hash(rev) in live_hashes:
            continue
        out.append(rev)
        excess -= 1
    return out


def history_limit(owner: Obj) -> int:
    limit = (owner.get("spec") or {}).get("revisionHistoryLimit")
    return DEFAULT_HISTORY_LIMIT if limit is None else int(limit)


async def ensure_current(
    client: AsyncClient, owner: Obj, revisions: list[Obj], hash_: str
) -> Obj | None:
    """The ControllerRevision of the owner's template, created or renumbered as the newest.

    `revisions` are the owner's (from the cache). None: the name belongs to something else,
    a hash collision; the caller raises collisionCount and looks again."""
    name = f"{meta(owner).get('name', '')}-{hash_}"
    ns = meta(owner).get("namespace")
    current, old = split(revisions, name)
    newest = max((revision_number(r) for r in old), default=0)
    if current is not None:
        if revision_number(current) <= newest:  # back to an older template: make it newest
            bump: Obj = {"revision": newest + 1}
            return await client.patch(CONTROLLER_REVISIONS, name, bump, ns)
        return current
    try:
        return await client.create(CONTROLLER_REVISIONS, snapshot(owner, hash_, newest + 1), ns)
    except errors.AlreadyExists:
        existing = await client.get(CONTROLLER_REVISIONS, name, ns)
    ref = controller_ref(existing)
    if ref is not None and ref.get("uid") == uid_of(owner):
        return existing  # ours: the cache was behind
    if ref is None and existing.get("data") == template_patch(owner):
        # an orphan of this very template (its owner was deleted with orphan propagation):
        # adopt it, as Kubernetes does; the resourceVersion makes the adoption conditional
        refs = [*(meta(existing).get("ownerReferences") or []), owner_ref(owner)]
        rv = meta(existing).get("resourceVersion")
        adopt: Obj = {"metadata": {"ownerReferences": refs, "resourceVersion": rv}}
        return await client.patch(CONTROLLER_REVISIONS, name, adopt, ns)
    return None
