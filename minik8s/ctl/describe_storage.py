"""`mkctl describe` text for PersistentVolumes and PersistentVolumeClaims, as kubectl
prints them (access modes abbreviated RWO/ROX/RWX/RWOP, the volume source with kubectl's
explanation of its type, the pods that use a claim). Pure; registered in `describers`.
"""

from __future__ import annotations

from .describe_sections import (
    Obj,
    Related,
    Writer,
    annotations_lines,
    condition_table,
    dict_of,
    dicts_of,
    labels_lines,
    list_of,
    meta_of,
    text_of,
)

__all__ = ["access_modes", "claim_users", "describe_pv", "describe_pvc"]

_MODES = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}

# How kubectl names the volume sources it knows; others print their field name.
_SOURCES = {
    "hostPath": "HostPath (bare host directory volume)",
    "local": "LocalVolume (a persistent volume backed by local storage on a node)",
    "nfs": "NFS (an NFS mount that lasts the lifetime of a pod)",
    "csi": "CSI (a Container Storage Interface (CSI) volume source)",
}
_SOURCE_FIELDS = {
    "hostPath": (("Path", "path"), ("HostPathType", "type")),
    "local": (("Path", "path"),),
    "nfs": (("Server", "server"), ("Path", "path"), ("ReadOnly", "readOnly")),
    "csi": (("Driver", "driver"), ("FSType", "fsType"), ("VolumeHandle", "volumeHandle")),
}
_NOT_SOURCES = {
    "accessModes",
    "capacity",
    "claimRef",
    "mountOptions",
    "nodeAffinity",
    "persistentVolumeReclaimPolicy",
    "storageClassName",
    "volumeMode",
    "volumeAttributesClassName",
}


def access_modes(modes: object) -> str:
    return ",".join(_MODES.get(text_of(m), text_of(m)) for m in list_of(modes))


def _finalizers(obj: Obj) -> str:
    return "[" + " ".join(text_of(f) for f in list_of(meta_of(obj).get("finalizers"))) + "]"


def _node_affinity(w: Writer, affinity: object) -> None:
    required = dict_of(dict_of(affinity).get("required"))
    terms = dicts_of(required.get("nodeSelectorTerms"))
    if not terms:
        w.line(0, "Node Affinity:", "<none>")
        return
    w.line(0, "Node Affinity:")
    w.line(1, "Required Terms:")
    for i, term in enumerate(terms):
        w.line(2, f"Term {i}:")
        for expr in dicts_of(term.get("matchExpressions")):
            values = ", ".join(text_of(v) for v in list_of(expr.get("values")))
            w.line(3, f"{text_of(expr.get('key'))} {text_of(expr.get('operator'))} [{values}]")


def describe_pv(w: Writer, obj: Obj, rel: Related) -> None:
    meta, spec, status = meta_of(obj), dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta.get("name")))
    labels_lines(w, obj)
    annotations_lines(w, obj)
    w.line(0, "Finalizers:", _finalizers(obj))
    w.line(0, "StorageClass:", text_of(spec.get("storageClassName")))
    w.line(0, "Status:", text_of(status.get("phase")))
    claim = dict_of(spec.get("claimRef"))
    w.line(
        0,
        "Claim:",
        f"{text_of(claim.get('namespace'))}/{text_of(claim.get('name'))}" if claim else "",
    )
    w.line(0, "Reclaim Policy:", text_of(spec.get("persistentVolumeReclaimPolicy")))
    w.line(0, "Access Modes:", access_modes(spec.get("accessModes")))
    w.line(0, "VolumeMode:", text_of(spec.get("volumeMode"), "Filesystem"))
    w.line(0, "Capacity:", text_of(dict_of(spec.get("capacity")).get("storage")))
    _node_affinity(w, spec.get("nodeAffinity"))
    w.line(0, "Message:", text_of(status.get("message")))
    w.line(0, "Source:")
    for key in sorted(k for k in spec if k not in _NOT_SOURCES):
        w.line(2, "Type:", _SOURCES.get(key, key))
        source = dict_of(spec[key])
        fields = _SOURCE_FIELDS.get(key) or tuple((k, k) for k in sorted(source))
        for title, field in fields:
            w.line(2, f"{title}:", text_of(source.get(field)))


def claim_users(claim: Obj, pods: list[Obj]) -> list[str]:
    """The names of the pods whose volumes use `claim`."""
    name = meta_of(claim).get("name")
    return sorted(
        text_of(meta_of(p).get("name"))
        for p in pods
        if any(
            dict_of(v.get("persistentVolumeClaim")).get("claimName") == name
            for v in dicts_of(dict_of(p.get("spec")).get("volumes"))
        )
    )


def describe_pvc(w: Writer, obj: Obj, rel: Related) -> None:
    meta, spec, status = meta_of(obj), dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta.get("name")))
    w.line(0, "Namespace:", text_of(meta.get("namespace")))
    w.line(0, "StorageClass:", text_of(spec.get("storageClassName")))
    w.line(0, "Status:", text_of(status.get("phase")))
    w.line(0, "Volume:", text_of(spec.get("volumeName")))
    labels_lines(w, obj)
    annotations_lines(w, obj)
    w.line(0, "Finalizers:", _finalizers(obj))
    w.line(0, "Capacity:", text_of(dict_of(status.get("capacity")).get("storage")))
    w.line(0, "Access Modes:", access_modes(status.get("accessModes")))
    w.line(0, "VolumeMode:", text_of(spec.get("volumeMode"), "Filesystem"))
    source = dict_of(spec.get("dataSource"))
    if source:
        w.line(0, "DataSource:")
        if source.get("apiGroup"):
            w.line(1, "APIGroup:", text_of(source["apiGroup"]))
        w.line(1, "Kind:", text_of(source.get("kind")))
        w.line(1, "Name:", text_of(source.get("name")))
    users = claim_users(obj, rel.pods)
    if not users:
        w.line(0, "Used By:", "<none>")
    for i, name in enumerate(users):
        w.line(0, "Used By:" if i == 0 else "", name)
    condition_table(
        w,
        status.get("conditions"),
        [
            ("Type", "type"),
            ("Status", "status"),
            ("LastProbeTime", "lastProbeTime"),
            ("LastTransitionTime", "lastTransitionTime"),
            ("Reason", "reason"),
            ("Message", "message"),
        ],
        spaced=0,
    )
