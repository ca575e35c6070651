"""PersistentVolume (core/v1): a piece of storage in the cluster, not in any namespace.

A volume declares its capacity (`storage` is required), how it may be mounted (at least
one access mode; ReadWriteOncePod only alone) and exactly one source. The schema lists
every source Kubernetes knows, but this cluster's nodes mount only `hostPath` and
`local` volumes, so validation refuses the others instead of storing a volume no kubelet
could attach; a source path may not contain `..`. The source and `volumeMode` are fixed
at creation. Defaults: reclaim policy Retain, volume mode Filesystem, and phase
Available until the binder (controllers/pvbinder) binds a claim through `claimRef`.
The access-mode and storage checks and the short access-mode names of `kubectl get`
are shared with PersistentVolumeClaim, which imports them from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import forbidden, invalid, not_supported, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.kinds.podspec import HOST_PATH_TYPES
from minik8s.api.printing import AGE, NAME, age, as_dict, as_list, at, column, name_of, text
from minik8s.api.schema import (
    CORE,
    QUANTITY_MAP,
    STRING_MAP,
    TIME,
    Definition,
    Field,
    KindSchema,
    Member,
    Ref,
    Struct,
    atomic,
)
from minik8s.api.validation import (
    as_object,
    immutable,
    one_of,
    quantity,
    required_str,
    spec_of,
    str_field,
    string_list,
)

# --------------------------------------------------------------------------- schema

_UNSUPPORTED = " Refused by this cluster, whose nodes mount only hostPath and local volumes."


# The fields several sources share take their protobuf number in each source's message.
def _read_only(*, proto: int) -> Field:
    return Field(
        "boolean",
        "Mount the volume read-only, whatever the containers' volume mounts say. Defaults to "
        "false.",
        proto=proto,
    )


def _fs_type(*, proto: int) -> Field:
    return Field(
        "string",
        "Filesystem type to mount, one the node's operating system supports (ext4, xfs, ntfs, "
        "...). Defaults to ext4.",
        proto=proto,
    )


_CEPH_MONITORS = Field(atomic("string"), "Addresses of the Ceph monitors.", proto=1)


def _secret(what: str, *, proto: int) -> Field:
    return Field(Ref(CORE + "SecretReference"), f"Secret (name and namespace) {what}", proto=proto)


def _csi_secret(calls: str, *, proto: int) -> Field:
    return _secret(
        f"passed to the driver in its {calls} calls; every entry of the secret is passed. "
        "May be left unset when the driver needs none.",
        proto=proto,
    )


# The volume sources: Kubernetes' PersistentVolumeSource, which PersistentVolumeSpec embeds
# (inline in JSON, field 2 in protobuf), in its order.
_SOURCES: dict[str, Member] = {
    "gcePersistentDisk": Field(
        Ref(CORE + "GCEPersistentDiskVolumeSource"),
        "A Google Compute Engine persistent disk attached to the node." + _UNSUPPORTED,
        proto=1,
        inline=2,
    ),
    "awsElasticBlockStore": Field(
        Ref(CORE + "AWSElasticBlockStoreVolumeSource"),
        "An AWS Elastic Block Store disk attached to the node." + _UNSUPPORTED,
        proto=2,
        inline=2,
    ),
    "hostPath": Field(
        Ref(CORE + "HostPathVolumeSource"),
        "A directory or file on the node itself: for development and tests on a single "
        "node, since the data never leaves that node.",
        proto=3,
        inline=2,
    ),
    "glusterfs": Field(
        Ref(CORE + "GlusterfsPersistentVolumeSource"),
        "A Glusterfs volume mounted on the node." + _UNSUPPORTED,
        proto=4,
        inline=2,
    ),
    "nfs": Field(
        Ref(CORE + "NFSVolumeSource"),
        "An NFS export mounted on the node." + _UNSUPPORTED,
        proto=5,
        inline=2,
    ),
    "rbd": Field(
        Ref(CORE + "RBDPersistentVolumeSource"),
        "A Ceph RADOS block device mapped on the node." + _UNSUPPORTED,
        proto=6,
        inline=2,
    ),
    "iscsi": Field(
        Ref(CORE + "ISCSIPersistentVolumeSource"),
        "An iSCSI disk attached to the node." + _UNSUPPORTED,
        proto=7,
        inline=2,
    ),
    "cinder": Field(
        Ref(CORE + "CinderPersistentVolumeSource"),
        "An OpenStack Cinder volume attached to the node." + _UNSUPPORTED,
        proto=8,
        inline=2,
    ),
    "cephfs": Field(
        Ref(CORE + "CephFSPersistentVolumeSource"),
        "A Ceph filesystem mounted on the node." + _UNSUPPORTED,
        proto=9,
        inline=2,
    ),
    "fc": Field(
        Ref(CORE + "FCVolumeSource"),
        "A Fibre Channel disk attached to the node." + _UNSUPPORTED,
        proto=10,
        inline=2,
    ),
    "flocker": Field(
        Ref(CORE + "FlockerVolumeSource"),
        "A Flocker dataset, attached by the Flocker control service." + _UNSUPPORTED,
        proto=11,
        inline=2,
    ),
    "flexVolume": Field(
        Ref(CORE + "FlexPersistentVolumeSource"),
        "A volume attached and mounted by an exec-based FlexVolume driver." + _UNSUPPORTED,
        proto=12,
        inline=2,
    ),
    "azureFile": Field(
        Ref(CORE + "AzureFilePersistentVolumeSource"),
        "An Azure File Service share mounted on the node." + _UNSUPPORTED,
        proto=13,
        inline=2,
    ),
    "vsphereVolume": Field(
        Ref(CORE + "VsphereVirtualDiskVolumeSource"),
        "A vSphere virtual disk attached to the node." + _UNSUPPORTED,
        proto=14,
        inline=2,
    ),
    "quobyte": Field(
        Ref(CORE + "QuobyteVolumeSource"),
        "A Quobyte volume mounted on the node." + _UNSUPPORTED,
        proto=15,
        inline=2,
    ),
    "azureDisk": Field(
        Ref(CORE + "AzureDiskVolumeSource"),
        "An Azure data disk attached to the node." + _UNSUPPORTED,
        proto=16,
        inline=2,
    ),
    "photonPersistentDisk": Field(
        Ref(CORE + "PhotonPersistentDiskVolumeSource"),
        "A Photon Controller persistent disk attached to the node." + _UNSUPPORTED,
        proto=17,
        inline=2,
    ),
    "portworxVolume": Field(
        Ref(CORE + "PortworxVolumeSource"),
        "A Portworx volume attached to the node." + _UNSUPPORTED,
        proto=18,
        inline=2,
    ),
    "scaleIO": Field(
        Ref(CORE + "ScaleIOPersistentVolumeSource"),
        "A ScaleIO volume attached to the node." + _UNSUPPORTED,
        proto=19,
        inline=2,
    ),
    "local": Field(
        Ref(CORE + "LocalVolumeSource"),
        "A disk, partition or directory attached to one node; nodeAffinity must name that "
        "node so that pods using the volume run there.",
        proto=20,
        inline=2,
    ),
    "storageos": Field(
        Ref(CORE + "StorageOSPersistentVolumeSource"),
        "A StorageOS volume attached to the node." + _UNSUPPORTED,
        proto=21,
        inline=2,
    ),
    "csi": Field(
        Ref(CORE + "CSIPersistentVolumeSource"),
        "A volume managed by an external Container Storage Interface (CSI) driver." + _UNSUPPORTED,
        proto=22,
        inline=2,
    ),
}

ACCESS_MODES_FIELD = (
    "How the volume can be mounted: ReadWriteOnce (read-write by the pods of one node), "
    "ReadOnlyMany (read-only by many nodes), ReadWriteMany (read-write by many nodes), "
    "ReadWriteOncePod (read-write by a single pod; may not be combined with another mode)."
)
VOLUME_MODE_FIELD = (
    "Filesystem (the default: the volume holds a filesystem that is mounted) or Block (a raw "
    "block device handed to the container)."
)

DEFINITIONS: dict[str, Definition] = {
    CORE + "PersistentVolumeSpec": Struct(
        {
            "capacity": Field(
                QUANTITY_MAP,
                "Resources the volume offers; storage, its size (such as 10Gi), is required.",
                proto=1,
            ),
            **_SOURCES,
            "accessModes": Field(
                atomic("string"), ACCESS_MODES_FIELD + " At least one is required.", proto=3
            ),
            "claimRef": Field(
                Ref(CORE + "ObjectReference"),
                "The claim the volume is bound to (namespace, name and uid): set by the "
                "binder, or in advance to reserve the volume for one claim. The claim's "
                "volumeName is the authoritative side of the binding.",
                proto=4,
            ),
            "persistentVolumeReclaimPolicy": Field(
                "string",
                "What happens to the volume once its claim is deleted: Retain (the default "
                "for volumes created by hand: kept as Released for an administrator), Delete "
                "(the default for provisioned volumes) or Recycle (deprecated: scrubbed and "
                "made Available again).",
                proto=5,
            ),
            "storageClassName": Field(
                "string",
                "Name of the StorageClass the volume belongs to; empty means none. A claim "
                "binds to the volume only if it asks for the same class.",
                proto=6,
            ),
            "mountOptions": Field(
                atomic("string"),
                "Mount options such as ro or soft, passed to the mount unchecked: an invalid "
                "one makes the mount fail.",
                proto=7,
            ),
            "volumeMode": Field(
                "string",
                VOLUME_MODE_FIELD + " Cannot be changed after creation.",
                proto=8,
                keep_zero=True,
            ),
            "nodeAffinity": Field(
                Ref(CORE + "VolumeNodeAffinity"),
                "The nodes the volume can be reached from; pods using it are scheduled onto "
                "them. Required for local volumes.",
                proto=9,
            ),
            "volumeAttributesClassName": Field(
                "string",
                "Name of the VolumeAttributesClass of the volume (may not be empty when set). "
                "The CSI driver may change it after modifying the volume; an unbound volume "
                "binds only to claims asking for the same class.",
                proto=10,
                keep_zero=True,
            ),
        },
        "PersistentVolumeSpec describes a volume: its capacity, access modes, reclaim policy "
        "and the single source that backs it.",
    ),
    CORE + "PersistentVolumeStatus": Struct(
        {
            "phase": Field(
                "string",
                "Where the volume is in its life: Pending (not usable yet), Available (free "
                "to bind), Bound, Released (its claim was deleted, not yet reclaimed) or "
                "Failed (automatic reclamation failed).",
                proto=1,
            ),
            "message": Field(
                "string", "Human-readable details of why the volume is in its phase.", proto=2
            ),
            "reason": Field(
                "string",
                "A short CamelCase reason for a failure, for machines and brief display.",
                proto=3,
            ),
            "lastPhaseTransitionTime": Field(
                TIME,
                "When the phase last changed; set to the current time at each change.",
                proto=4,
            ),
        },
        "PersistentVolumeStatus tells where a volume is in its life, and why.",
    ),
    CORE + "VolumeNodeAffinity": Struct(
        {
            "required": Field(
                Ref(CORE + "NodeSelector"),
                "Node constraints a node must meet to reach the volume.",
                proto=1,
            ),
        },
        "VolumeNodeAffinity limits the nodes a volume can be reached from.",
    ),
    CORE + "SecretReference": Struct(
        {
            "name": Field("string", "Name of the secret.", proto=1),
            "namespace": Field("string", "Namespace of the secret.", proto=2),
        },
        "SecretReference names a secret in any namespace.",
    ),
    CORE + "LocalVolumeSource": Struct(
        {
            "path": Field(
                "string",
                "Full path on the node of a directory or a block device (disk, partition, "
                "...). May not contain '..'.",
                proto=1,
            ),
            "fsType": Field(
                "string",
                "Filesystem type to mount (ext4, xfs, ntfs, ...) when path is a block "
                "device; chosen automatically when unset.",
                proto=2,
                keep_zero=True,
            ),
        },
        "LocalVolumeSource is storage attached directly to one node: a directory or a block "
        "device.",
    ),
    CORE + "GlusterfsPersistentVolumeSource": Struct(
        {
            "endpoints": Field(
                "string", "Name of the Endpoints object listing the Glusterfs servers.", proto=1
            ),
            "path": Field("string", "Name of the Glusterfs volume to mount.", proto=2),
            "readOnly": _read_only(proto=3),
            "endpointsNamespace": Field(
                "string",
                "Namespace of that Endpoints object; defaults to the namespace of the claim "
                "bound to the volume.",
                proto=4,
                keep_zero=True,
            ),
        },
        "GlusterfsPersistentVolumeSource names a Glusterfs volume and the servers holding "
        "it; no ownership management or SELinux relabeling.",
    ),
    CORE + "RBDPersistentVolumeSource": Struct(
        {
            "monitors": _CEPH_MONITORS,
            "image": Field("string", "Name of the RADOS block device image.", proto=2),
            "fsType": _fs_type(proto=3),
            "pool": Field("string", "RADOS pool holding the image. Defaults to rbd.", proto=4),
            "user": Field("string", "RADOS user to authenticate as. Defaults to admin.", proto=5),
            "keyring": Field(
                "string",
                "Path on the node to the keyring of user. Defaults to /etc/ceph/keyring; "
                "secretRef, when set, takes its place.",
                proto=6,
            ),
            "secretRef": _secret(
                "holding the authentication key of user; overrides keyring.", proto=7
            ),
            "readOnly": _read_only(proto=8),
        },
        "RBDPersistentVolumeSource names a Ceph RBD image and how to authenticate to Ceph.",
    ),
    CORE + "ISCSIPersistentVolumeSource": Struct(
        {
            "targetPortal": Field(
                "string",
                "The iSCSI target portal: an IP address, or ip:port when the port is not a "
                "default one (860 or 3260).",
                proto=1,
            ),
            "iqn": Field("string", "iSCSI Qualified Name of the target.", proto=2),
            "lun": Field("integer", "Logical unit number of the disk on the target.", proto=3),
            "iscsiInterface": Field(
                "string",
                "The iSCSI interface (transport) to use. Defaults to 'default' (TCP).",
                proto=4,
            ),
            "fsType": _fs_type(proto=5),
            "readOnly": _read_only(proto=6),
            "portals": Field(
                atomic("string"),
                "More portals of the same target, each an IP address or ip:port, for "
                "multipath access.",
                proto=7,
            ),
            "chapAuthDiscovery": Field(
                "boolean", "Whether iSCSI discovery uses CHAP authentication.", proto=8
            ),
            "chapAuthSession": Field(
                "boolean", "Whether iSCSI sessions use CHAP authentication.", proto=11
            ),
            "secretRef": _secret("holding the CHAP credentials of target and initiator.", proto=10),
            "initiatorName": Field(
                "string",
                "A custom iSCSI initiator name. Together with iscsiInterface, a new interface "
                "named <target portal>:<volume name> is created for the connection.",
                proto=12,
                keep_zero=True,
            ),
        },
        "ISCSIPersistentVolumeSource names an iSCSI disk (target and LUN) and how to reach "
        "it; read-write by one node at a time.",
    ),
    CORE + "CinderPersistentVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the Cinder volume.", proto=1),
            "fsType": _fs_type(proto=2),
            "readOnly": _read_only(proto=3),
            "secretRef": _secret("holding the parameters for connecting to OpenStack.", proto=4),
        },
        "CinderPersistentVolumeSource names an existing OpenStack Cinder volume, in the "
        "node's region.",
    ),
    CORE + "CephFSPersistentVolumeSource": Struct(
        {
            "monitors": _CEPH_MONITORS,
            "path": Field(
                "string",
                "Directory of the Ceph filesystem mounted as the volume's root. Defaults to /.",
                proto=2,
            ),
            "user": Field("string", "RADOS user to authenticate as. Defaults to admin.", proto=3),
            "secretFile": Field(
                "string",
                "Path on the node to the key of user. Defaults to /etc/ceph/user.secret.",
                proto=4,
            ),
            "secretRef": _secret(
                "holding the authentication key of user; unset by default.", proto=5
            ),
            "readOnly": _read_only(proto=6),
        },
        "CephFSPersistentVolumeSource names a Ceph filesystem and how to authenticate to it; "
        "no ownership management or SELinux relabeling.",
    ),
    CORE + "FlexPersistentVolumeSource": Struct(
        {
            "driver": Field("string", "Name of the FlexVolume driver.", proto=1),
            "fsType": Field(
                "string",
                "Filesystem type to mount (ext4, xfs, ntfs, ...); the default depends on the "
                "driver.",
                proto=2,
            ),
            "secretRef": _secret(
                "whose entries are all passed to the driver's scripts; may be left unset.", proto=3
            ),
            "readOnly": _read_only(proto=4),
            "options": Field(STRING_MAP, "Extra options passed to the driver.", proto=5),
        },
        "FlexPersistentVolumeSource names a FlexVolume driver and what to pass to it.",
    ),
    CORE + "AzureFilePersistentVolumeSource": Struct(
        {
            "secretName": Field(
                "string",
                "Name of the secret holding the Azure storage account name and key.",
                proto=1,
            ),
            "shareName": Field("string", "Name of the Azure file share.", proto=2),
            "readOnly": _read_only(proto=3),
            "secretNamespace": Field(
                "string",
                "Namespace of that secret; defaults to the pod's namespace.",
                proto=4,
                keep_zero=True,
            ),
        },
        "AzureFilePersistentVolumeSource names an Azure file share and the secret to open it with.",
    ),
    CORE + "ScaleIOPersistentVolumeSource": Struct(
        {
            "gateway": Field("string", "Address of the ScaleIO API gateway.", proto=1),
            "system": Field("string", "Name of the ScaleIO storage system.", proto=2),
            "secretRef": _secret(
                "holding the credentials of the ScaleIO user; logging in fails without it.", proto=3
            ),
            "sslEnabled": Field(
                "boolean", "Whether to talk to the gateway over TLS. Defaults to false.", proto=4
            ),
            "protectionDomain": Field(
                "string", "The ScaleIO protection domain of the storage.", proto=5
            ),
            "storagePool": Field(
                "string", "The ScaleIO storage pool of the protection domain.", proto=6
            ),
            "storageMode": Field(
                "string", "ThickProvisioned or ThinProvisioned (the default) storage.", proto=7
            ),
            "volumeName": Field("string", "Name of the existing ScaleIO volume to use.", proto=8),
            "fsType": Field(
                "string",
                "Filesystem type to mount, one the node's operating system supports (ext4, "
                "xfs, ntfs, ...). Defaults to xfs.",
                proto=9,
            ),
            "readOnly": _read_only(proto=10),
        },
        "ScaleIOPersistentVolumeSource names a ScaleIO volume and the gateway and system "
        "serving it.",
    ),
    CORE + "StorageOSPersistentVolumeSource": Struct(
        {
            "volumeName": Field(
                "string",
                "Name of the StorageOS volume, unique within its StorageOS namespace.",
                proto=1,
            ),
            "volumeNamespace": Field(
                "string",
                "StorageOS namespace of the volume, created if missing; defaults to the pod's "
                "namespace. Use default when StorageOS namespaces are not used.",
                proto=2,
            ),
            "fsType": _fs_type(proto=3),
            "readOnly": _read_only(proto=4),
            "secretRef": Field(
                Ref(CORE + "ObjectReference"),
                "Secret holding the StorageOS API credentials; defaults are tried when unset.",
                proto=5,
            ),
        },
        "StorageOSPersistentVolumeSource names a StorageOS volume and the API credentials to use.",
    ),
    CORE + "CSIPersistentVolumeSource": Struct(
        {
            "driver": Field(
                "string", "Name of the CSI driver managing the volume. Required.", proto=1
            ),
            "volumeHandle": Field(
                "string",
                "The volume's ID as the driver's CreateVolume returned it, used in every "
                "later call. Required.",
                proto=2,
            ),
            "readOnly": Field(
                "boolean",
                "The readonly value passed to ControllerPublishVolume. Defaults to false.",
                proto=3,
            ),
            "fsType": Field("string", "Filesystem type to mount (ext4, xfs, ntfs, ...).", proto=4),
            "volumeAttributes": Field(
                STRING_MAP, "Driver-specific attributes of the volume to publish.", proto=5
            ),
            "controllerPublishSecretRef": _csi_secret(
                "ControllerPublishVolume and ControllerUnpublishVolume", proto=6
            ),
            "nodeStageSecretRef": _csi_secret("NodeStageVolume and NodeUnstageVolume", proto=7),
            "nodePublishSecretRef": _csi_secret(
                "NodePublishVolume and NodeUnpublishVolume", proto=8
            ),
            "controllerExpandSecretRef": _csi_secret("ControllerExpandVolume", proto=9),
            "nodeExpandSecretRef": _csi_secret("NodeExpandVolume", proto=10),
        },
        "CSIPersistentVolumeSource names a volume of an external CSI driver and the secrets "
        "its calls need.",
    ),
}

# --------------------------------------------------------------------------- validation

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
_RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
_MOUNTABLE = ("hostPath", "local")  # the sources a node of this cluster can mount
# The others, in the order their errors are reported.
_NOT_MOUNTABLE = (
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
)


def validate_access_modes(spec: Obj, errs: Errs) -> None:
    """`spec.accessModes`: at least one known mode; ReadWriteOncePod only alone."""
    modes = string_list(spec, "accessModes", "spec", errs)
    if not modes:
        errs.append(required("spec.accessModes"))
    for i, mode in enumerate(modes):
        if mode not in ACCESS_MODES:
            errs.append(not_supported(f"spec.accessModes[{i}]", mode, ACCESS_MODES))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(
            forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes")
        )


def validate_storage(block: Any, path: str, errs: Errs) -> None:
    """A resource map at `path` with a `storage` quantity."""
    amounts = as_object(block, path, errs)
    if amounts.get("storage") is None:
        errs.append(required(f"{path}[storage]"))
    else:
        quantity(amounts["storage"], f"{path}[storage]", errs)


def _validate_source(spec: Obj, errs: Errs) -> None:
    sources = [k for k in _MOUNTABLE if spec.get(k) is not None]
    for other in (k for k in _NOT_MOUNTABLE if spec.get(k) is not None):
        errs.append(forbidden(f"spec.{other}", "only hostPath and local volumes are supported"))
    if not sources:
        errs.append(required("spec", "must specify a volume type"))
    for extra in sources[1:]:
        errs.append(forbidden(f"spec.{extra}", "may not specify more than 1 volume type"))
    if sources:
        source_path = f"spec.{sources[0]}"
        source = as_object(spec[sources[0]], source_path, errs)
        target = required_str(source, "path", source_path, errs)
        if target and ".." in target.split("/"):
            errs.append(invalid(f"{source_path}.path", target, "must not contain '..'"))
        if sources[0] == "hostPath":
            one_of(source, "type", source_path, errs, HOST_PATH_TYPES)


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    validate_access_modes(spec, errs)
    validate_storage(spec.get("capacity"), "spec.capacity", errs)
    one_of(spec, "persistentVolumeReclaimPolicy", "spec", errs, _RECLAIM_POLICIES)
    one_of(spec, "volumeMode", "spec", errs, VOLUME_MODES)
    str_field(spec, "storageClassName", "spec", errs)
    claim = as_object(spec.get("claimRef"), "spec.claimRef", errs)
    for key in ("namespace", "name", "uid"):
        str_field(claim, key, "spec.claimRef", errs)
    _validate_source(spec, errs)


def _validate_update(new: Obj, old: Obj, errs: Errs) -> None:
    spec, old_spec = spec_of(new), spec_of(old)
    if any(spec.get(key) != old_spec.get(key) for key in _MOUNTABLE):
        errs.append(
            forbidden(
                "spec.persistentvolumesource",
                "spec.persistentvolumesource is immutable after creation",
            )
        )
    immutable(spec.get("volumeMode"), old_spec.get("volumeMode"), "spec.volumeMode", errs)


# --------------------------------------------------------------------------- strategy


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is not None:
        set_default(spec, "persistentVolumeReclaimPolicy", "Retain")
        set_default(spec, "volumeMode", "Filesystem")
    status = child(obj, "status")
    if status is not None:
        set_default(status, "phase", "Available")


# --------------------------------------------------------------------------- table

_ACCESS_MODE_SHORT = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}

ACCESS_MODES_COLUMN = column("Access Modes", "All ways the volume can be mounted.")


def access_modes_text(modes: Any) -> str:
    """Access modes as `kubectl get` shows them: `RWO,ROX`."""
    return ",".join(_ACCESS_MODE_SHORT.get(text(m), text(m)) for m in as_list(modes))


def _row(obj: Obj, now: datetime) -> Cells:
    spec = as_dict(obj.get("spec"))
    claim = as_dict(spec.get("claimRef"))
    claim_text = f"{text(claim.get('namespace'))}/{text(claim.get('name'))}" if claim else ""
    return [
        name_of(obj),
        text(at(spec, "capacity", "storage")),
        access_modes_text(spec.get("accessModes")),
        text(spec.get("persistentVolumeReclaimPolicy")),
        text(at(obj, "status", "phase")),
        claim_text,
        text(spec.get("storageClassName")),
        age(obj, now),
    ]


_COLUMNS = (
    NAME,
    column("Capacity", "The storage capacity of the volume."),
    ACCESS_MODES_COLUMN,
    column("Reclaim Policy", "What happens to the volume when released from its claim."),
    column("Status", "The phase of the volume."),
    column("Claim", "The claim bound to the volume, as namespace/name."),
    column("StorageClass", "The name of the StorageClass the volume belongs to."),
    AGE,
)


# --------------------------------------------------------------------------- declaration

PERSISTENT_VOLUME = ResourceInfo(
    "",
    "v1",
    "PersistentVolume",
    "persistentvolumes",
    "persistentvolume",
    False,
    ("pv",),
    ("status",),
    schema=KindSchema(
        "PersistentVolume is a piece of storage in the cluster, created by an administrator "
        "or a provisioner, that a PersistentVolumeClaim binds to. Like a node, it belongs "
        "to no namespace.",
        {
            "spec": Field(
                Ref(CORE + "PersistentVolumeSpec"),
                "The volume's specification, written by an administrator or a provisioner. "
                "Its source and volumeMode cannot change after creation.",
                proto=2,
            ),
            "status": Field(
                Ref(CORE + "PersistentVolumeStatus"),
                "The observed state of the volume, written by the system; read-only.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=Strategy(
        default=_default,
        validate=_validate,
        validate_update=_validate_update,
        reset_status_on_create=True,
    ),
)
