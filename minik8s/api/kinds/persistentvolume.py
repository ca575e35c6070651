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
_READ_ONLY = Field(
    "boolean",
    "Mount the volume read-only, whatever the containers' volume mounts say. Defaults to false.",
)
_FS_TYPE = Field(
    "string",
    "Filesystem type to mount, one the node's operating system supports (ext4, xfs, ntfs, "
    "...). Defaults to ext4.",
)
_CEPH_MONITORS = Field(atomic("string"), "Addresses of the Ceph monitors.")


def _secret(what: str) -> Field:
    return Field(Ref(CORE + "SecretReference"), f"Secret (name and namespace) {what}")


def _csi_secret(calls: str) -> Field:
    return _secret(
        f"passed to the driver in its {calls} calls; every entry of the secret is passed. "
        "May be left unset when the driver needs none."
    )


# The volume sources, hostPath and local (the ones this cluster mounts) first, the others
# in the order their errors are reported.
_SOURCES: dict[str, Member] = {
    "hostPath": Field(
        Ref(CORE + "HostPathVolumeSource"),
        "A directory or file on the node itself: for development and tests on a single "
        "node, since the data never leaves that node.",
    ),
    "local": Field(
        Ref(CORE + "LocalVolumeSource"),
        "A disk, partition or directory attached to one node; nodeAffinity must name that "
        "node so that pods using the volume run there.",
    ),
    "gcePersistentDisk": Field(
        Ref(CORE + "GCEPersistentDiskVolumeSource"),
        "A Google Compute Engine persistent disk attached to the node." + _UNSUPPORTED,
    ),
    "awsElasticBlockStore": Field(
        Ref(CORE + "AWSElasticBlockStoreVolumeSource"),
        "An AWS Elastic Block Store disk attached to the node." + _UNSUPPORTED,
    ),
    "nfs": Field(
        Ref(CORE + "NFSVolumeSource"), "An NFS export mounted on the node." + _UNSUPPORTED
    ),
    "iscsi": Field(
        Ref(CORE + "ISCSIPersistentVolumeSource"),
        "An iSCSI disk attached to the node." + _UNSUPPORTED,
    ),
    "glusterfs": Field(
        Ref(CORE + "GlusterfsPersistentVolumeSource"),
        "A Glusterfs volume mounted on the node." + _UNSUPPORTED,
    ),
    "rbd": Field(
        Ref(CORE + "RBDPersistentVolumeSource"),
        "A Ceph RADOS block device mapped on the node." + _UNSUPPORTED,
    ),
    "flexVolume": Field(
        Ref(CORE + "FlexPersistentVolumeSource"),
        "A volume attached and mounted by an exec-based FlexVolume driver." + _UNSUPPORTED,
    ),
    "cinder": Field(
        Ref(CORE + "CinderPersistentVolumeSource"),
        "An OpenStack Cinder volume attached to the node." + _UNSUPPORTED,
    ),
    "cephfs": Field(
        Ref(CORE + "CephFSPersistentVolumeSource"),
        "A Ceph filesystem mounted on the node." + _UNSUPPORTED,
    ),
    "flocker": Field(
        Ref(CORE + "FlockerVolumeSource"),
        "A Flocker dataset, attached by the Flocker control service." + _UNSUPPORTED,
    ),
    "fc": Field(
        Ref(CORE + "FCVolumeSource"), "A Fibre Channel disk attached to the node." + _UNSUPPORTED
    ),
    "azureFile": Field(
        Ref(CORE + "AzureFilePersistentVolumeSource"),
        "An Azure File Service share mounted on the node." + _UNSUPPORTED,
    ),
    "vsphereVolume": Field(
        Ref(CORE + "VsphereVirtualDiskVolumeSource"),
        "A vSphere virtual disk attached to the node." + _UNSUPPORTED,
    ),
    "quobyte": Field(
        Ref(CORE + "QuobyteVolumeSource"), "A Quobyte volume mounted on the node." + _UNSUPPORTED
    ),
    "azureDisk": Field(
        Ref(CORE + "AzureDiskVolumeSource"),
        "An Azure data disk attached to the node." + _UNSUPPORTED,
    ),
    "photonPersistentDisk": Field(
        Ref(CORE + "PhotonPersistentDiskVolumeSource"),
        "A Photon Controller persistent disk attached to the node." + _UNSUPPORTED,
    ),
    "portworxVolume": Field(
        Ref(CORE + "PortworxVolumeSource"),
        "A Portworx volume attached to the node." + _UNSUPPORTED,
    ),
    "scaleIO": Field(
        Ref(CORE + "ScaleIOPersistentVolumeSource"),
        "A ScaleIO volume attached to the node." + _UNSUPPORTED,
    ),
    "storageos": Field(
        Ref(CORE + "StorageOSPersistentVolumeSource"),
        "A StorageOS volume attached to the node." + _UNSUPPORTED,
    ),
    "csi": Field(
        Ref(CORE + "CSIPersistentVolumeSource"),
        "A volume managed by an external Container Storage Interface (CSI) driver." + _UNSUPPORTED,
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
            ),
            "accessModes": Field(
                atomic("string"), ACCESS_MODES_FIELD + " At least one is required."
            ),
            "claimRef": Field(
                Ref(CORE + "ObjectReference"),
                "The claim the volume is bound to (namespace, name and uid): set by the "
                "binder, or in advance to reserve the volume for one claim. The claim's "
                "volumeName is the authoritative side of the binding.",
            ),
            "persistentVolumeReclaimPolicy": Field(
                "string",
                "What happens to the volume once its claim is deleted: Retain (the default "
                "for volumes created by hand: kept as Released for an administrator), Delete "
                "(the default for provisioned volumes) or Recycle (deprecated: scrubbed and "
                "made Available again).",
            ),
            "storageClassName": Field(
                "string",
                "Name of the StorageClass the volume belongs to; empty means none. A claim "
                "binds to the volume only if it asks for the same class.",
            ),
            "mountOptions": Field(
                atomic("string"),
                "Mount options such as ro or soft, passed to the mount unchecked: an invalid "
                "one makes the mount fail.",
            ),
            "volumeMode": Field("string", VOLUME_MODE_FIELD + " Cannot be changed after creation."),
            "nodeAffinity": Field(
                Ref(CORE + "VolumeNodeAffinity"),
                "The nodes the volume can be reached from; pods using it are scheduled onto "
                "them. Required for local volumes.",
            ),
            "volumeAttributesClassName": Field(
                "string",
                "Name of the VolumeAttributesClass of the volume (may not be empty when set). "
                "The CSI driver may change it after modifying the volume; an unbound volume "
                "binds only to claims asking for the same class.",
            ),
            **_SOURCES,
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
            ),
            "message": Field("string", "Human-readable details of why the volume is in its phase."),
            "reason": Field(
                "string", "A short CamelCase reason for a failure, for machines and brief display."
            ),
            "lastPhaseTransitionTime": Field(
                TIME, "When the phase last changed; set to the current time at each change."
            ),
        },
        "PersistentVolumeStatus tells where a volume is in its life, and why.",
    ),
    CORE + "VolumeNodeAffinity": Struct(
        {
            "required": Field(
                Ref(CORE + "NodeSelector"),
                "Node constraints a node must meet to reach the volume.",
            ),
        },
        "VolumeNodeAffinity limits the nodes a volume can be reached from.",
    ),
    CORE + "SecretReference": Struct(
        {
            "name": Field("string", "Name of the secret."),
            "namespace": Field("string", "Namespace of the secret."),
        },
        "SecretReference names a secret in any namespace.",
    ),
    CORE + "LocalVolumeSource": Struct(
        {
            "path": Field(
                "string",
                "Full path on the node of a directory or a block device (disk, partition, "
                "...). May not contain '..'.",
            ),
            "fsType": Field(
                "string",
                "Filesystem type to mount (ext4, xfs, ntfs, ...) when path is a block "
                "device; chosen automatically when unset.",
            ),
        },
        "LocalVolumeSource is storage attached directly to one node: a directory or a block "
        "device.",
    ),
    CORE + "GlusterfsPersistentVolumeSource": Struct(
        {
            "endpoints": Field(
                "string", "Name of the Endpoints object listing the Glusterfs servers."
            ),
            "endpointsNamespace": Field(
                "string",
                "Namespace of that Endpoints object; defaults to the namespace of the claim "
                "bound to the volume.",
            ),
            "path": Field("string", "Name of the Glusterfs volume to mount."),
            "readOnly": _READ_ONLY,
        },
        "GlusterfsPersistentVolumeSource names a Glusterfs volume and the servers holding "
        "it; no ownership management or SELinux relabeling.",
    ),
    CORE + "RBDPersistentVolumeSource": Struct(
        {
            "monitors": _CEPH_MONITORS,
            "image": Field("string", "Name of the RADOS block device image."),
            "fsType": _FS_TYPE,
            "pool": Field("string", "RADOS pool holding the image. Defaults to rbd."),
            "user": Field("string", "RADOS user to authenticate as. Defaults to admin."),
            "keyring": Field(
                "string",
                "Path on the node to the keyring of user. Defaults to /etc/ceph/keyring; "
                "secretRef, when set, takes its place.",
            ),
            "secretRef": _secret("holding the authentication key of user; overrides keyring."),
            "readOnly": _READ_ONLY,
        },
        "RBDPersistentVolumeSource names a Ceph RBD image and how to authenticate to Ceph.",
    ),
    CORE + "ISCSIPersistentVolumeSource": Struct(
        {
            "targetPortal": Field(
                "string",
                "The iSCSI target portal: an IP address, or ip:port when the port is not a "
                "default one (860 or 3260).",
            ),
            "iqn": Field("string", "iSCSI Qualified Name of the target."),
            "lun": Field("integer", "Logical unit number of the disk on the target."),
            "iscsiInterface": Field(
                "string", "The iSCSI interface (transport) to use. Defaults to 'default' (TCP)."
            ),
            "fsType": _FS_TYPE,
            "readOnly": _READ_ONLY,
            "portals": Field(
                atomic("string"),
                "More portals of the same target, each an IP address or ip:port, for "
                "multipath access.",
            ),
            "chapAuthDiscovery": Field(
                "boolean", "Whether iSCSI discovery uses CHAP authentication."
            ),
            "chapAuthSession": Field("boolean", "Whether iSCSI sessions use CHAP authentication."),
            "secretRef": _secret("holding the CHAP credentials of target and initiator."),
            "initiatorName": Field(
                "string",
                "A custom iSCSI initiator name. Together with iscsiInterface, a new interface "
                "named <target portal>:<volume name> is created for the connection.",
            ),
        },
        "ISCSIPersistentVolumeSource names an iSCSI disk (target and LUN) and how to reach "
        "it; read-write by one node at a time.",
    ),
    CORE + "CinderPersistentVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the Cinder volume."),
            "fsType": _FS_TYPE,
            "readOnly": _READ_ONLY,
            "secretRef": _secret("holding the parameters for connecting to OpenStack."),
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
            ),
            "user": Field("string", "RADOS user to authenticate as. Defaults to admin."),
            "secretFile": Field(
                "string",
                "Path on the node to the key of user. Defaults to /etc/ceph/user.secret.",
            ),
            "secretRef": _secret("holding the authentication key of user; unset by default."),
            "readOnly": _READ_ONLY,
        },
        "CephFSPersistentVolumeSource names a Ceph filesystem and how to authenticate to it; "
        "no ownership management or SELinux relabeling.",
    ),
    CORE + "FlexPersistentVolumeSource": Struct(
        {
            "driver": Field("string", "Name of the FlexVolume driver."),
            "fsType": Field(
                "string",
                "Filesystem type to mount (ext4, xfs, ntfs, ...); the default depends on the "
                "driver.",
            ),
            "secretRef": _secret(
                "whose entries are all passed to the driver's scripts; may be left unset."
            ),
            "readOnly": _READ_ONLY,
            "options": Field(STRING_MAP, "Extra options passed to the driver."),
        },
        "FlexPersistentVolumeSource names a FlexVolume driver and what to pass to it.",
    ),
    CORE + "AzureFilePersistentVolumeSource": Struct(
        {
            "secretName": Field(
                "string", "Name of the secret holding the Azure storage account name and key."
            ),
            "shareName": Field("string", "Name of the Azure file share."),
            "readOnly": _READ_ONLY,
            "secretNamespace": Field(
                "string", "Namespace of that secret; defaults to the pod's namespace."
            ),
        },
        "AzureFilePersistentVolumeSource names an Azure file share and the secret to open it with.",
    ),
    CORE + "ScaleIOPersistentVolumeSource": Struct(
        {
            "gateway": Field("string", "Address of the ScaleIO API gateway."),
            "system": Field("string", "Name of the ScaleIO storage system."),
            "secretRef": _secret(
                "holding the credentials of the ScaleIO user; logging in fails without it."
            ),
            "sslEnabled": Field(
                "boolean", "Whether to talk to the gateway over TLS. Defaults to false."
            ),
            "protectionDomain": Field("string", "The ScaleIO protection domain of the storage."),
            "storagePool": Field("string", "The ScaleIO storage pool of the protection domain."),
            "storageMode": Field(
                "string", "ThickProvisioned or ThinProvisioned (the default) storage."
            ),
            "volumeName": Field("string", "Name of the existing ScaleIO volume to use."),
            "fsType": Field(
                "string",
                "Filesystem type to mount, one the node's operating system supports (ext4, "
                "xfs, ntfs, ...). Defaults to xfs.",
            ),
            "readOnly": _READ_ONLY,
        },
        "ScaleIOPersistentVolumeSource names a ScaleIO volume and the gateway and system "
        "serving it.",
    ),
    CORE + "StorageOSPersistentVolumeSource": Struct(
        {
            "volumeName": Field(
                "string", "Name of the StorageOS volume, unique within its StorageOS namespace."
            ),
            "volumeNamespace": Field(
                "string",
                "StorageOS namespace of the volume, created if missing; defaults to the pod's "
                "namespace. Use default when StorageOS namespaces are not used.",
            ),
            "fsType": _FS_TYPE,
            "readOnly": _READ_ONLY,
            "secretRef": Field(
                Ref(CORE + "ObjectReference"),
                "Secret holding the StorageOS API credentials; defaults are tried when unset.",
            ),
        },
        "StorageOSPersistentVolumeSource names a StorageOS volume and the API credentials to use.",
    ),
    CORE + "CSIPersistentVolumeSource": Struct(
        {
            "driver": Field("string", "Name of the CSI driver managing the volume. Required."),
            "volumeHandle": Field(
                "string",
                "The volume's ID as the driver's CreateVolume returned it, used in every "
                "later call. Required.",
            ),
            "readOnly": Field(
                "boolean",
                "The readonly value passed to ControllerPublishVolume. Defaults to false.",
            ),
            "fsType": Field("string", "Filesystem type to mount (ext4, xfs, ntfs, ...)."),
            "volumeAttributes": Field(
                STRING_MAP, "Driver-specific attributes of the volume to publish."
            ),
            "controllerPublishSecretRef": _csi_secret(
                "ControllerPublishVolume and ControllerUnpublishVolume"
            ),
            "nodeStageSecretRef": _csi_secret("NodeStageVolume and NodeUnstageVolume"),
            "nodePublishSecretRef": _csi_secret("NodePublishVolume and NodeUnpublishVolume"),
            "controllerExpandSecretRef": _csi_secret("ControllerExpandVolume"),
            "nodeExpandSecretRef": _csi_secret("NodeExpandVolume"),
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
_NOT_MOUNTABLE = tuple(k for k in _SOURCES if k not in _MOUNTABLE)


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
            ),
            "status": Field(
                Ref(CORE + "PersistentVolumeStatus"),
                "The observed state of the volume, written by the system; read-only.",
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
