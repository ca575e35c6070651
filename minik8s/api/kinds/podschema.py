"""The shape of a pod: every core/v1 type reachable from PodSpec, PodStatus and PodTemplateSpec
in Kubernetes v1.32, described field by field, plus the references and the Binding the pod's
subresources use. These definitions are shared: the Pod kind declares them
(`pod.DEFINITIONS` is this dict), every kind with a pod template reaches them through
`POD_TEMPLATE`, and the PersistentVolume kind refers to the volume sources and node
selectors defined here by name. List semantics are Kubernetes' own (`patchMergeKey`,
`patchStrategy`, `listType`, `listMapKey`): the strategic merge patch, and so `kubectl
apply`, merges `containers` by name, `ports` by containerPort, `volumeMounts` by mountPath
and so on because of them. Descriptions are what `kubectl explain` prints.

Each field carries its number in Kubernetes' protobuf message (core/v1 `generated.proto`),
and each definition lists its fields in the Go struct's order, which is Kubernetes' JSON key
order. A Go struct embedded inline is flat in JSON but a nested message in protobuf: the
fields of a Volume's VolumeSource, a Probe's ProbeHandler, an EphemeralContainer's
EphemeralContainerCommon and the LocalObjectReference inside the ConfigMap and Secret
selectors, env sources and projections also carry that message's number (`Field.inline`).
A Binding's apiVersion and kind have none: protobuf carries them in the envelope.
"""

from __future__ import annotations

from dataclasses import replace

from minik8s.api.schema import (
    CORE,
    INT_OR_STRING,
    LABEL_SELECTOR,
    MERGE,
    OBJECT_META,
    QUANTITY,
    QUANTITY_MAP,
    STRING_MAP,
    TIME,
    Array,
    Definition,
    Field,
    Member,
    Ref,
    Struct,
    atomic,
    keyed,
)


def _ref(name: str) -> Ref:
    return Ref(CORE + name)


def _list_of(name: str) -> Array:
    """An atomic list of `name` items: every patch replaces it whole."""
    return atomic(CORE + name)


def _embedded(number: int, members: dict[str, Field]) -> dict[str, Member]:
    """`members` as the fields of a Go struct embedded inline, which protobuf nests as field
    `number` of the enclosing message (`Field.inline`)."""
    return {name: replace(member, inline=number) for name, member in members.items()}


_STRINGS = atomic("string")
_MERGE_RETAIN = "merge,retainKeys"

# --------------------------------------------------------------------------- references

_REFERENCES: dict[str, Definition] = {
    CORE + "LocalObjectReference": Struct(
        {"name": Field("string", "Name of the referenced object, in the same namespace.", proto=1)},
        "A reference to an object by name within the referrer's namespace.",
    ),
    CORE + "TypedLocalObjectReference": Struct(
        {
            "apiGroup": Field(
                "string",
                "API group of the referenced object; empty for the core group.",
                proto=1,
                keep_zero=True,
            ),
            "kind": Field("string", "Kind of the referenced object.", proto=2),
            "name": Field("string", "Name of the referenced object.", proto=3),
        },
        "A reference to an object of a given kind within the referrer's namespace.",
    ),
    CORE + "ObjectReference": Struct(
        {
            "kind": Field("string", "Kind of the referenced object.", proto=1),
            "namespace": Field("string", "Namespace of the referenced object.", proto=2),
            "name": Field("string", "Name of the referenced object.", proto=3),
            "uid": Field("string", "UID of the referenced object.", proto=4),
            "apiVersion": Field("string", "API version of the referenced object.", proto=5),
            "resourceVersion": Field(
                "string",
                "The resourceVersion of the referenced object this reference was made to.",
                proto=6,
            ),
            "fieldPath": Field(
                "string",
                "A field of the object this reference points into, such as "
                "`spec.containers{name}` for one container of a pod.",
                proto=7,
            ),
        },
        "A reference to any object, with enough information to fetch or inspect it.",
    ),
    CORE + "Binding": Struct(
        {
            "apiVersion": Field("string", "API version of this object, v1."),
            "kind": Field("string", "Kind of this object, Binding."),
            "metadata": Field(OBJECT_META, "Name and namespace of the pod being bound.", proto=1),
            "target": Field(
                _ref("ObjectReference"),
                "The node the pod is bound to (kind Node and its name).",
                proto=2,
            ),
        },
        "Binds a pod to a node; the body of a pod's binding subresource, posted by schedulers.",
    ),
}

# --------------------------------------------------------------------------- containers

_ENV: dict[str, Definition] = {
    CORE + "EnvVar": Struct(
        {
            "name": Field("string", "Name of the variable; must be a C identifier.", proto=1),
            "value": Field(
                "string",
                "Literal value; $(VAR) references to earlier variables are expanded and $$ "
                "escapes a $. Defaults to the empty string.",
                proto=2,
            ),
            "valueFrom": Field(
                _ref("EnvVarSource"),
                "Where to read the value from; not allowed with value.",
                proto=3,
            ),
        },
        "An environment variable set in a container.",
    ),
    CORE + "EnvVarSource": Struct(
        {
            "fieldRef": Field(
                _ref("ObjectFieldSelector"),
                "A field of the pod: metadata.name, metadata.namespace, metadata.uid, "
                "metadata.labels['<key>'], metadata.annotations['<key>'], spec.nodeName, "
                "spec.serviceAccountName, status.hostIP(s) or status.podIP(s).",
                proto=1,
            ),
            "resourceFieldRef": Field(
                _ref("ResourceFieldSelector"),
                "A limit or request of the container: limits.cpu, limits.memory, "
                "limits.ephemeral-storage, requests.cpu, requests.memory or "
                "requests.ephemeral-storage.",
                proto=2,
            ),
            "configMapKeyRef": Field(
                _ref("ConfigMapKeySelector"), "A key of a ConfigMap.", proto=3
            ),
            "secretKeyRef": Field(
                _ref("SecretKeySelector"), "A key of a Secret in the pod's namespace.", proto=4
            ),
        },
        "The source of an environment variable's value; exactly one field is set.",
    ),
    CORE + "ObjectFieldSelector": Struct(
        {
            "apiVersion": Field(
                "string", "API version the fieldPath is written against; defaults to v1.", proto=1
            ),
            "fieldPath": Field(
                "string", "Path of the field to select, such as metadata.name.", proto=2
            ),
        },
        "Selects a field of the pod by its path.",
    ),
    CORE + "ResourceFieldSelector": Struct(
        {
            "containerName": Field(
                "string",
                "Container whose resources are read; required in volumes, defaults to the "
                "current container in environment variables.",
                proto=1,
            ),
            "resource": Field("string", "The resource to read, such as limits.cpu.", proto=2),
            "divisor": Field(
                Ref(QUANTITY),
                "Unit the value is expressed in (the value is divided by it and rounded up); "
                "defaults to 1.",
                proto=3,
            ),
        },
        "Selects a limit or request of a container and the unit to expose it in.",
    ),
    CORE + "ConfigMapKeySelector": Struct(
        {
            "name": Field(
                "string", "Name of the ConfigMap in the pod's namespace.", proto=1, inline=1
            ),
            "key": Field("string", "The key whose value is used.", proto=2),
            "optional": Field(
                "boolean",
                "If true, a missing ConfigMap or key is not an error (the variable is left "
                "unset); defaults to false.",
                proto=3,
                keep_zero=True,
            ),
        },
        "Selects one key of a ConfigMap.",
    ),
    CORE + "SecretKeySelector": Struct(
        {
            "name": Field(
                "string", "Name of the Secret in the pod's namespace.", proto=1, inline=1
            ),
            "key": Field(
                "string", "The key whose value is used; must be a valid secret key.", proto=2
            ),
            "optional": Field(
                "boolean",
                "If true, a missing Secret or key is not an error (the variable is left "
                "unset); defaults to false.",
                proto=3,
                keep_zero=True,
            ),
        },
        "Selects one key of a Secret.",
    ),
    CORE + "EnvFromSource": Struct(
        {
            "prefix": Field(
                "string",
                "Prepended to every key to form the variable name; must be a C identifier.",
                proto=1,
            ),
            "configMapRef": Field(_ref("ConfigMapEnvSource"), "The ConfigMap to read.", proto=2),
            "secretRef": Field(_ref("SecretEnvSource"), "The Secret to read.", proto=3),
        },
        "Every key of a ConfigMap or Secret as environment variables.",
    ),
    CORE + "ConfigMapEnvSource": Struct(
        {
            "name": Field(
                "string", "Name of the ConfigMap in the pod's namespace.", proto=1, inline=1
            ),
            "optional": Field(
                "boolean",
                "If true, a missing ConfigMap is not an error; defaults to false.",
                proto=2,
                keep_zero=True,
            ),
        },
        "A ConfigMap whose keys become environment variables.",
    ),
    CORE + "SecretEnvSource": Struct(
        {
            "name": Field(
                "string", "Name of the Secret in the pod's namespace.", proto=1, inline=1
            ),
            "optional": Field(
                "boolean",
                "If true, a missing Secret is not an error; defaults to false.",
                proto=2,
                keep_zero=True,
            ),
        },
        "A Secret whose keys become environment variables.",
    ),
}

_PORT_NUMBER = "Number must be in 1-65535, a name must be an IANA service name."

_ACTIONS: dict[str, Definition] = {
    CORE + "ExecAction": Struct(
        {
            "command": Field(
                _STRINGS,
                "Command line run in the container's root directory, exec'd directly (not "
                "through a shell); exit status 0 means success.",
                proto=1,
            ),
        },
        "Runs a command inside the container.",
    ),
    CORE + "HTTPGetAction": Struct(
        {
            "path": Field("string", "Path requested on the HTTP server.", proto=1),
            "port": Field(
                Ref(INT_OR_STRING),
                f"Number or name of the container port to connect to. {_PORT_NUMBER}",
                proto=2,
            ),
            "host": Field(
                "string",
                "Host to connect to; defaults to the pod IP (set a Host header instead for "
                "virtual hosting).",
                proto=3,
            ),
            "scheme": Field("string", "HTTP or HTTPS; defaults to HTTP.", proto=4),
            "httpHeaders": Field(
                _list_of("HTTPHeader"),
                "Extra request headers; a header may repeat.",
                proto=5,
            ),
        },
        "Sends an HTTP GET request; a 2xx or 3xx answer means success.",
    ),
    CORE + "HTTPHeader": Struct(
        {
            "name": Field(
                "string", "Header name; canonicalized, so its case does not matter.", proto=1
            ),
            "value": Field("string", "Header value.", proto=2),
        },
        "A header of an HTTP probe or hook request.",
    ),
    CORE + "TCPSocketAction": Struct(
        {
            "port": Field(
                Ref(INT_OR_STRING),
                f"Number or name of the container port to open. {_PORT_NUMBER}",
                proto=1,
            ),
            "host": Field("string", "Host to connect to; defaults to the pod IP.", proto=2),
        },
        "Opens a TCP connection; success if it can be established.",
    ),
    CORE + "GRPCAction": Struct(
        {
            "port": Field("integer", "Port of the gRPC service, 1-65535.", proto=1),
            "service": Field(
                "string",
                "Service name sent in the gRPC HealthCheckRequest; when empty the server's "
                "overall health is asked.",
                proto=2,
                keep_zero=True,
            ),
        },
        "Calls the standard gRPC health checking service.",
    ),
    CORE + "SleepAction": Struct(
        {"seconds": Field("integer", "How many seconds to sleep.", proto=1)},
        "Pauses for a number of seconds.",
    ),
}

_PROBE_ACTION = "One of exec, httpGet, tcpSocket and grpc is set."

_PROBES: dict[str, Definition] = {
    CORE + "Probe": Struct(
        {
            # ProbeHandler, embedded inline: field 1 in protobuf
            "exec": Field(_ref("ExecAction"), f"Run a command. {_PROBE_ACTION}", proto=1, inline=1),
            "httpGet": Field(
                _ref("HTTPGetAction"), f"Send an HTTP GET. {_PROBE_ACTION}", proto=2, inline=1
            ),
            "tcpSocket": Field(
                _ref("TCPSocketAction"),
                f"Open a TCP connection. {_PROBE_ACTION}",
                proto=3,
                inline=1,
            ),
            "grpc": Field(
                _ref("GRPCAction"), f"Call a gRPC health check. {_PROBE_ACTION}", proto=4, inline=1
            ),
            "initialDelaySeconds": Field(
                "integer",
                "Seconds after the container starts before the first probe; default 0.",
                proto=2,
            ),
            "timeoutSeconds": Field(
                "integer",
                "Seconds after which one probe attempt times out; default 1, minimum 1.",
                proto=3,
            ),
            "periodSeconds": Field(
                "integer", "Seconds between two probe attempts; default 10, minimum 1.", proto=4
            ),
            "successThreshold": Field(
                "integer",
                "Consecutive successes needed to count as passing again after a failure; "
                "default 1, and must be 1 for liveness and startup probes.",
                proto=5,
            ),
            "failureThreshold": Field(
                "integer",
                "Consecutive failures needed to count as failed; default 3, minimum 1.",
                proto=6,
            ),
            "terminationGracePeriodSeconds": Field(
                "integer",
                "Grace period used when this probe's failure kills the container, overriding "
                "the pod's terminationGracePeriodSeconds; minimum 1.",
                proto=7,
                keep_zero=True,
            ),
        },
        "A periodic check of a container's health.",
    ),
    CORE + "LifecycleHandler": Struct(
        {
            "exec": Field(_ref("ExecAction"), "Run a command in the container.", proto=1),
            "httpGet": Field(_ref("HTTPGetAction"), "Send an HTTP GET request.", proto=2),
            "tcpSocket": Field(
                _ref("TCPSocketAction"),
                "Deprecated and never run: kept for compatibility, a hook with it fails.",
                proto=3,
            ),
            "sleep": Field(_ref("SleepAction"), "Pause for a number of seconds.", proto=4),
        },
        "The action of a lifecycle hook; exactly one of exec, httpGet and sleep is set.",
    ),
    CORE + "Lifecycle": Struct(
        {
            "postStart": Field(
                _ref("LifecycleHandler"),
                "Run right after the container is created; if it fails the container is killed "
                "and restarted per its restart policy.",
                proto=1,
            ),
            "preStop": Field(
                _ref("LifecycleHandler"),
                "Run before the container is stopped by an API request or a management event "
                "(not when it exits by itself); it counts against the termination grace period.",
                proto=2,
            ),
        },
        "Hooks the kubelet runs at container start and stop; the container waits for them.",
    ),
}

_SECURITY: dict[str, Definition] = {
    CORE + "SecurityContext": Struct(
        {
            "capabilities": Field(
                _ref("Capabilities"),
                "POSIX capabilities to add to or drop from the runtime's default set; not on "
                "Windows.",
                proto=1,
            ),
            "privileged": Field(
                "boolean",
                "Run as privileged, like root on the host; defaults to false. Not on Windows.",
                proto=2,
                keep_zero=True,
            ),
            "seLinuxOptions": Field(
                _ref("SELinuxOptions"),
                "SELinux context of the container, overriding the pod's; the runtime picks a "
                "random one when neither is set. Not on Windows.",
                proto=3,
            ),
            "windowsOptions": Field(
                _ref("WindowsSecurityContextOptions"),
                "Windows-specific settings, overriding the pod's; not on Linux.",
                proto=10,
            ),
            "runAsUser": Field(
                "integer",
                "UID of the container's entrypoint process, overriding the pod's; defaults to "
                "the image's user. Not on Windows.",
                proto=4,
                keep_zero=True,
            ),
            "runAsGroup": Field(
                "integer",
                "GID of the container's entrypoint process, overriding the pod's; defaults to "
                "the runtime's. Not on Windows.",
                proto=8,
                keep_zero=True,
            ),
            "runAsNonRoot": Field(
                "boolean",
                "If true, the kubelet refuses to start the container when it would run as UID 0.",
                proto=5,
                keep_zero=True,
            ),
            "readOnlyRootFilesystem": Field(
                "boolean",
                "Mount the container's root filesystem read-only; defaults to false. Not on "
                "Windows.",
                proto=6,
                keep_zero=True,
            ),
            "allowPrivilegeEscalation": Field(
                "boolean",
                "Whether a process may gain more privileges than its parent (no_new_privs); "
                "always true when privileged or with CAP_SYS_ADMIN. Not on Windows.",
                proto=7,
                keep_zero=True,
            ),
            "procMount": Field(
                "string",
                "Default (the runtime's masked and read-only /proc paths) or Unmasked; needs "
                "the ProcMountType feature. Not on Windows.",
                proto=9,
                keep_zero=True,
            ),
            "seccompProfile": Field(
                _ref("SeccompProfile"),
                "Seccomp profile of the container, overriding the pod's. Not on Windows.",
                proto=11,
            ),
            "appArmorProfile": Field(
                _ref("AppArmorProfile"),
                "AppArmor profile of the container, overriding the pod's. Not on Windows.",
                proto=12,
            ),
        },
        "Security settings of one container; they take precedence over the pod's.",
    ),
    CORE + "PodSecurityContext": Struct(
        {
            "seLinuxOptions": Field(
                _ref("SELinuxOptions"),
                "SELinux context of every container unless a container sets its own. Not on "
                "Windows.",
                proto=1,
            ),
            "windowsOptions": Field(
                _ref("WindowsSecurityContextOptions"),
                "Windows-specific settings of every container unless a container sets its own. "
                "Not on Linux.",
                proto=8,
            ),
            "runAsUser": Field(
                "integer",
                "UID of every container's entrypoint unless a container sets its own; defaults "
                "to the image's user. Not on Windows.",
                proto=2,
                keep_zero=True,
            ),
            "runAsGroup": Field(
                "integer",
                "GID of every container's entrypoint unless a container sets its own. Not on "
                "Windows.",
                proto=6,
                keep_zero=True,
            ),
            "runAsNonRoot": Field(
                "boolean",
                "If true, the kubelet refuses to start a container that would run as UID 0.",
                proto=3,
                keep_zero=True,
            ),
            "supplementalGroups": Field(
                atomic("integer"),
                "Extra groups of the first process of every container, besides its primary "
                "GID and fsGroup. Not on Windows.",
                proto=4,
            ),
            "supplementalGroupsPolicy": Field(
                "string",
                "Merge (default: also keep the groups the image's /etc/group gives the user) or "
                "Strict (only the groups set here); alpha, needs SupplementalGroupsPolicy. Not "
                "on Windows.",
                proto=12,
                keep_zero=True,
            ),
            "fsGroup": Field(
                "integer",
                "A group that owns the pod's volumes where the volume type allows it: files get "
                "this GID, the setgid bit and group read-write. Not on Windows.",
                proto=5,
                keep_zero=True,
            ),
            "sysctls": Field(
                _list_of("Sysctl"),
                "Namespaced kernel parameters set for the pod; unsupported ones may keep the "
                "pod from starting. Not on Windows.",
                proto=7,
            ),
            "fsGroupChangePolicy": Field(
                "string",
                "When ownership and permissions of volumes are changed to match fsGroup: Always "
                "(default) or OnRootMismatch. Not on Windows.",
                proto=9,
                keep_zero=True,
            ),
            "seccompProfile": Field(
                _ref("SeccompProfile"),
                "Seccomp profile of every container. Not on Windows.",
                proto=10,
            ),
            "appArmorProfile": Field(
                _ref("AppArmorProfile"),
                "AppArmor profile of every container. Not on Windows.",
                proto=11,
            ),
            "seLinuxChangePolicy": Field(
                "string",
                "How volumes get the pod's SELinux label: Recursive relabels every file, "
                "MountOption mounts eligible volumes with -o context. Alpha in 1.32.",
                proto=13,
                keep_zero=True,
            ),
        },
        "Security settings of the whole pod and defaults for its containers.",
    ),
    CORE + "Capabilities": Struct(
        {
            "add": Field(_STRINGS, "Capabilities to add, such as NET_ADMIN.", proto=1),
            "drop": Field(_STRINGS, "Capabilities to drop, such as ALL.", proto=2),
        },
        "POSIX capabilities added to and dropped from a container.",
    ),
    CORE + "SELinuxOptions": Struct(
        {
            "user": Field("string", "SELinux user label.", proto=1),
            "role": Field("string", "SELinux role label.", proto=2),
            "type": Field("string", "SELinux type label.", proto=3),
            "level": Field("string", "SELinux level label.", proto=4),
        },
        "SELinux labels applied to a container.",
    ),
    CORE + "SeccompProfile": Struct(
        {
            "type": Field(
                "string",
                "RuntimeDefault (the runtime's profile), Unconfined (no filtering) or Localhost "
                "(a profile file on the node).",
                proto=1,
            ),
            "localhostProfile": Field(
                "string",
                "Path of the profile file, relative to the kubelet's seccomp directory; set if "
                "and only if type is Localhost.",
                proto=2,
                keep_zero=True,
            ),
        },
        "A seccomp profile.",
    ),
    CORE + "AppArmorProfile": Struct(
        {
            "type": Field(
                "string",
                "RuntimeDefault (the runtime's profile), Unconfined (no enforcement) or "
                "Localhost (a profile loaded on the node).",
                proto=1,
            ),
            "localhostProfile": Field(
                "string",
                "Name of the profile loaded on the node; set if and only if type is Localhost.",
                proto=2,
                keep_zero=True,
            ),
        },
        "An AppArmor profile.",
    ),
    CORE + "WindowsSecurityContextOptions": Struct(
        {
            "gmsaCredentialSpecName": Field(
                "string",
                "Name of the GMSA credential spec to use.",
                proto=1,
                keep_zero=True,
            ),
            "gmsaCredentialSpec": Field(
                "string",
                "Contents of that credential spec, filled in by the GMSA admission webhook.",
                proto=2,
                keep_zero=True,
            ),
            "runAsUserName": Field(
                "string",
                "Windows user name of the entrypoint process; defaults to the image's user.",
                proto=3,
                keep_zero=True,
            ),
            "hostProcess": Field(
                "boolean",
                "Run as a HostProcess container; all containers of the pod must agree, and "
                "hostNetwork must be true.",
                proto=4,
                keep_zero=True,
            ),
        },
        "Windows-specific security settings.",
    ),
    CORE + "Sysctl": Struct(
        {
            "name": Field(
                "string", "Name of the kernel parameter, such as net.core.somaxconn.", proto=1
            ),
            "value": Field("string", "Value to set.", proto=2),
        },
        "One kernel parameter set for the pod.",
    ),
}

_RESOURCES: dict[str, Definition] = {
    CORE + "ResourceRequirements": Struct(
        {
            "limits": Field(
                QUANTITY_MAP, "Maximum amount of each resource (cpu, memory, ...) allowed.", proto=1
            ),
            "requests": Field(
                QUANTITY_MAP,
                "Amount of each resource reserved for scheduling; defaults to the limits when "
                "only those are given, and cannot exceed them.",
                proto=2,
            ),
            "claims": Field(
                Array(_ref("ResourceClaim"), list_type="map", map_keys=("name",)),
                "Names of the pod's resourceClaims this container uses; immutable, needs the "
                "DynamicResourceAllocation feature.",
                proto=3,
            ),
        },
        "Compute resources requested and allowed.",
    ),
    CORE + "ResourceClaim": Struct(
        {
            "name": Field("string", "Name of an entry of the pod's spec.resourceClaims.", proto=1),
            "request": Field(
                "string",
                "A request of that claim to use; when empty everything the claim allocated is "
                "made available.",
                proto=2,
            ),
        },
        "A container's use of one of the pod's resource claims.",
    ),
    CORE + "ContainerResizePolicy": Struct(
        {
            "resourceName": Field(
                "string", "The resource this policy applies to: cpu or memory.", proto=1
            ),
            "restartPolicy": Field(
                "string",
                "NotRequired (default: resize in place if possible) or RestartContainer "
                "(restart the container to apply the new value).",
                proto=2,
            ),
        },
        "How a container reacts when one of its resources is resized in place.",
    ),
}

_PORTS_AND_MOUNTS: dict[str, Definition] = {
    CORE + "ContainerPort": Struct(
        {
            "name": Field(
                "string",
                "Name of the port, unique in the pod, an IANA service name services can refer to.",
                proto=1,
            ),
            "hostPort": Field(
                "integer",
                "Port number exposed on the node, 1-65535; must equal containerPort with "
                "hostNetwork. Most containers leave it unset.",
                proto=2,
            ),
            "containerPort": Field("integer", "Port number on the pod's IP, 1-65535.", proto=3),
            "protocol": Field("string", "TCP, UDP or SCTP; defaults to TCP.", proto=4),
            "hostIP": Field("string", "Node IP the hostPort is bound to.", proto=5),
        },
        "A network port a container exposes.",
    ),
    CORE + "VolumeMount": Struct(
        {
            "name": Field("string", "Name of the pod volume to mount.", proto=1),
            "readOnly": Field("boolean", "Mount read-only; defaults to false.", proto=2),
            "recursiveReadOnly": Field(
                "string",
                "With readOnly: Disabled (default), IfPossible or Enabled to make submounts "
                "read-only too; needs mountPropagation None.",
                proto=7,
                keep_zero=True,
            ),
            "mountPath": Field(
                "string", "Path inside the container to mount it at; must not contain ':'.", proto=3
            ),
            "subPath": Field(
                "string",
                "Path inside the volume to mount instead of its root; defaults to ''.",
                proto=4,
            ),
            "mountPropagation": Field(
                "string",
                "How mounts propagate between host and container: None (default), "
                "HostToContainer or Bidirectional.",
                proto=5,
                keep_zero=True,
            ),
            "subPathExpr": Field(
                "string",
                "Like subPath, with $(VAR) references to the container's environment expanded; "
                "exclusive with subPath.",
                proto=6,
            ),
        },
        "A volume mounted into a container's filesystem.",
    ),
    CORE + "VolumeDevice": Struct(
        {
            "name": Field("string", "Name of a persistentVolumeClaim volume of the pod.", proto=1),
            "devicePath": Field(
                "string", "Path inside the container the block device appears at.", proto=2
            ),
        },
        "A raw block volume mapped into a container.",
    ),
}

_CONTAINER_PORTS = keyed(
    CORE + "ContainerPort", "containerPort", MERGE, "containerPort", "protocol"
)

_CONTAINER_FIELDS: dict[str, Field] = {
    "name": Field(
        "string",
        "Name of the container, a DNS label unique within the pod; cannot be updated.",
        proto=1,
    ),
    "image": Field(
        "string",
        "Container image to run; optional in templates so that controllers can fill it in.",
        proto=2,
    ),
    "command": Field(
        _STRINGS,
        "Entrypoint, run without a shell; the image's ENTRYPOINT when unset. $(VAR) references "
        "are expanded from the container's environment.",
        proto=3,
    ),
    "args": Field(
        _STRINGS,
        "Arguments to the entrypoint; the image's CMD when unset. $(VAR) references are "
        "expanded from the container's environment.",
        proto=4,
    ),
    "workingDir": Field(
        "string",
        "Working directory; the runtime's default (often the image's) when unset.",
        proto=5,
    ),
    "ports": Field(
        _CONTAINER_PORTS,
        "Ports the container exposes. Informational: a port listening on 0.0.0.0 is reachable "
        "whether listed or not.",
        proto=6,
    ),
    "envFrom": Field(
        _list_of("EnvFromSource"),
        "ConfigMaps and Secrets whose keys become environment variables; a later source wins "
        "on a duplicate key.",
        proto=19,
    ),
    "env": Field(
        keyed(CORE + "EnvVar", "name"),
        "Environment variables; they take precedence over envFrom.",
        proto=7,
    ),
    "resources": Field(
        _ref("ResourceRequirements"),
        "Compute resources the container requests and may use.",
        proto=8,
    ),
    "resizePolicy": Field(
        _list_of("ContainerResizePolicy"),
        "Per resource, whether an in-place resize restarts the container.",
        proto=23,
    ),
    "restartPolicy": Field(
        "string",
        "Only for init containers, and only Always: the init container becomes a sidecar that "
        "keeps running (and restarting) alongside the regular containers.",
        proto=24,
        keep_zero=True,
    ),
    "volumeMounts": Field(
        keyed(CORE + "VolumeMount", "mountPath"), "Pod volumes mounted into the container.", proto=9
    ),
    "volumeDevices": Field(
        keyed(CORE + "VolumeDevice", "devicePath"),
        "Raw block volumes mapped into the container.",
        proto=21,
    ),
    "livenessProbe": Field(
        _ref("Probe"), "Checks the container is alive; it is restarted when this fails.", proto=10
    ),
    "readinessProbe": Field(
        _ref("Probe"),
        "Checks the container can serve; the pod is removed from service endpoints while this "
        "fails.",
        proto=11,
    ),
    "startupProbe": Field(
        _ref("Probe"),
        "Checks the container has started; the other probes wait for it, and its failure "
        "restarts the container.",
        proto=22,
    ),
    "lifecycle": Field(
        _ref("Lifecycle"), "Hooks run after the container starts and before it stops.", proto=12
    ),
    "terminationMessagePath": Field(
        "string",
        "File whose contents become the container's termination message (at most 4096 bytes); "
        "defaults to /dev/termination-log.",
        proto=13,
    ),
    "terminationMessagePolicy": Field(
        "string",
        "File (default) reads the message from terminationMessagePath; FallbackToLogsOnError "
        "uses the end of the log when that file is empty and the container failed.",
        proto=20,
    ),
    "imagePullPolicy": Field(
        "string",
        "Always, Never or IfNotPresent; defaults to Always for a :latest (or untagged) image and "
        "IfNotPresent otherwise.",
        proto=14,
    ),
    "securityContext": Field(
        _ref("SecurityContext"),
        "Security settings, overriding the pod's securityContext.",
        proto=15,
    ),
    "stdin": Field(
        "boolean",
        "Allocate a stdin buffer; reads see end of file otherwise. Defaults to false.",
        proto=16,
    ),
    "stdinOnce": Field(
        "boolean",
        "Close stdin after the first attached client disconnects; defaults to false.",
        proto=17,
    ),
    "tty": Field("boolean", "Allocate a TTY; needs stdin. Defaults to false.", proto=18),
}

_NOT_FOR_EPHEMERAL = "Not allowed for ephemeral containers."

_CONTAINERS: dict[str, Definition] = {
    CORE + "Container": Struct(
        _CONTAINER_FIELDS,
        "A container run in a pod.",
    ),
    CORE + "EphemeralContainer": Struct(
        {
            # EphemeralContainerCommon: the container's fields, as field 1 in protobuf
            **_embedded(
                1,
                {
                    **_CONTAINER_FIELDS,
                    "name": Field(
                        "string",
                        "Name of the container, unique among all the pod's containers.",
                        proto=1,
                    ),
                    "ports": Field(_CONTAINER_PORTS, _NOT_FOR_EPHEMERAL, proto=6),
                    "resources": Field(
                        _ref("ResourceRequirements"),
                        f"{_NOT_FOR_EPHEMERAL} They use the resources the pod already has.",
                        proto=8,
                    ),
                    "restartPolicy": Field("string", _NOT_FOR_EPHEMERAL, proto=24, keep_zero=True),
                    "livenessProbe": Field(_ref("Probe"), _NOT_FOR_EPHEMERAL, proto=10),
                    "readinessProbe": Field(_ref("Probe"), _NOT_FOR_EPHEMERAL, proto=11),
                    "startupProbe": Field(_ref("Probe"), _NOT_FOR_EPHEMERAL, proto=22),
                    "lifecycle": Field(_ref("Lifecycle"), _NOT_FOR_EPHEMERAL, proto=12),
                },
            ),
            "targetContainerName": Field(
                "string",
                "A container of the pod whose namespaces (IPC, PID, ...) this one joins; the "
                "pod's own namespaces when unset.",
                proto=2,
            ),
        },
        "A temporary container added to a running pod, for debugging; it is never restarted "
        "and has no resource guarantees. Added through the pod's ephemeralcontainers "
        "subresource.",
    ),
}

# --------------------------------------------------------------------------- scheduling

_IGNORED_DURING_EXECUTION = (
    "Checked at scheduling time only: a pod already running is not evicted when it stops holding."
)

_SCHEDULING: dict[str, Definition] = {
    CORE + "Affinity": Struct(
        {
            "nodeAffinity": Field(
                _ref("NodeAffinity"), "Rules on the labels of the node.", proto=1
            ),
            "podAffinity": Field(
                _ref("PodAffinity"),
                "Rules to run near other pods (same node, zone, ... as pods matching a selector).",
                proto=2,
            ),
            "podAntiAffinity": Field(
                _ref("PodAntiAffinity"),
                "Rules to run away from other pods (not in the same node, zone, ... as pods "
                "matching a selector).",
                proto=3,
            ),
        },
        "Scheduling constraints of a pod.",
    ),
    CORE + "NodeAffinity": Struct(
        {
            "requiredDuringSchedulingIgnoredDuringExecution": Field(
                _ref("NodeSelector"),
                f"The pod is only scheduled on a node matching this selector. "
                f"{_IGNORED_DURING_EXECUTION}",
                proto=1,
            ),
            "preferredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("PreferredSchedulingTerm"),
                "Terms nodes are scored by: a node gets the weight of every term it matches and "
                "the highest sum is preferred.",
                proto=2,
            ),
        },
        "Node affinity rules of a pod.",
    ),
    CORE + "NodeSelector": Struct(
        {
            "nodeSelectorTerms": Field(
                _list_of("NodeSelectorTerm"),
                "The terms, ORed: a node matching any one of them is selected. Required.",
                proto=1,
            ),
        },
        "A selection of nodes by label and field requirements.",
    ),
    CORE + "NodeSelectorTerm": Struct(
        {
            "matchExpressions": Field(
                _list_of("NodeSelectorRequirement"), "Requirements on the node's labels.", proto=1
            ),
            "matchFields": Field(
                _list_of("NodeSelectorRequirement"),
                "Requirements on the node's fields (metadata.name).",
                proto=2,
            ),
        },
        "Requirements that are ANDed; a null or empty term matches no node.",
    ),
    CORE + "NodeSelectorRequirement": Struct(
        {
            "key": Field("string", "The label or field the requirement is about.", proto=1),
            "operator": Field("string", "In, NotIn, Exists, DoesNotExist, Gt or Lt.", proto=2),
            "values": Field(
                _STRINGS,
                "Values to compare with: non-empty for In and NotIn, empty for Exists and "
                "DoesNotExist, a single integer for Gt and Lt.",
                proto=3,
            ),
        },
        "A requirement relating a key to a set of values by an operator.",
    ),
    CORE + "PreferredSchedulingTerm": Struct(
        {
            "weight": Field("integer", "Weight added to a node matching the term, 1-100.", proto=1),
            "preference": Field(
                _ref("NodeSelectorTerm"), "The term nodes are matched against.", proto=2
            ),
        },
        "A node selector term with a weight; an empty term matches every node with weight 0.",
    ),
    CORE + "PodAffinity": Struct(
        {
            "requiredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("PodAffinityTerm"),
                f"Terms that must all hold for a node to be chosen. {_IGNORED_DURING_EXECUTION}",
                proto=1,
            ),
            "preferredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("WeightedPodAffinityTerm"),
                "Terms nodes are scored by: a node gets the weight of every term it satisfies "
                "and the highest sum is preferred.",
                proto=2,
            ),
        },
        "Rules to co-locate a pod with other pods.",
    ),
    CORE + "PodAntiAffinity": Struct(
        {
            "requiredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("PodAffinityTerm"),
                f"Terms none of which may be violated for a node to be chosen. "
                f"{_IGNORED_DURING_EXECUTION}",
                proto=1,
            ),
            "preferredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("WeightedPodAffinityTerm"),
                "Terms nodes are scored by: a node gets the weight of every term it keeps the "
                "pod away from, and the highest sum is preferred.",
                proto=2,
            ),
        },
        "Rules to keep a pod away from other pods.",
    ),
    CORE + "PodAffinityTerm": Struct(
        {
            "labelSelector": Field(
                LABEL_SELECTOR, "The pods this term is about; null matches no pod.", proto=1
            ),
            "namespaces": Field(
                _STRINGS,
                "Namespaces to look for those pods in, added to namespaceSelector's; the pod's "
                "own namespace when both are empty.",
                proto=2,
            ),
            "topologyKey": Field(
                "string",
                "Node label defining the domain (kubernetes.io/hostname, "
                "topology.kubernetes.io/zone, ...) in which pods count as co-located. Required.",
                proto=3,
            ),
            "namespaceSelector": Field(
                LABEL_SELECTOR,
                "Namespaces to look for those pods in, by label, added to namespaces; {} "
                "selects every namespace.",
                proto=4,
            ),
            "matchLabelKeys": Field(
                _STRINGS,
                "Label keys whose values, taken from the incoming pod, are added to "
                "labelSelector as `key in (value)`.",
                proto=5,
            ),
            "mismatchLabelKeys": Field(
                _STRINGS,
                "Label keys whose values, taken from the incoming pod, are added to "
                "labelSelector as `key notin (value)`.",
                proto=6,
            ),
        },
        "A set of pods, and the topology domain in which this pod must (or must not) run "
        "alongside them.",
    ),
    CORE + "WeightedPodAffinityTerm": Struct(
        {
            "weight": Field("integer", "Weight of the term, 1-100.", proto=1),
            "podAffinityTerm": Field(_ref("PodAffinityTerm"), "The term. Required.", proto=2),
        },
        "A pod affinity term with a weight.",
    ),
    CORE + "Toleration": Struct(
        {
            "key": Field(
                "string",
                "Taint key tolerated; empty matches every key (and then operator must be Exists).",
                proto=1,
            ),
            "operator": Field(
                "string",
                "Equal (the taint's value must equal value) or Exists (any value); defaults to "
                "Equal.",
                proto=2,
            ),
            "value": Field("string", "Taint value tolerated; empty with Exists.", proto=3),
            "effect": Field(
                "string",
                "Taint effect tolerated: NoSchedule, PreferNoSchedule or NoExecute; empty "
                "matches every effect.",
                proto=4,
            ),
            "tolerationSeconds": Field(
                "integer",
                "For NoExecute: seconds the pod stays bound after the taint appears; forever "
                "when unset, evicted at once when zero or negative.",
                proto=5,
                keep_zero=True,
            ),
        },
        "Lets a pod be scheduled onto, or stay on, nodes with a matching taint.",
    ),
    CORE + "TopologySpreadConstraint": Struct(
        {
            "maxSkew": Field(
                "integer",
                "Largest allowed difference between the number of matching pods in any domain "
                "and the global minimum; at least 1.",
                proto=1,
            ),
            "topologyKey": Field(
                "string",
                "Node label whose values are the domains pods are spread over, such as "
                "topology.kubernetes.io/zone.",
                proto=2,
            ),
            "whenUnsatisfiable": Field(
                "string",
                "DoNotSchedule (keep the pod pending) or ScheduleAnyway (only prefer the least "
                "skewed domains).",
                proto=3,
            ),
            "labelSelector": Field(LABEL_SELECTOR, "The pods counted in each domain.", proto=4),
            "minDomains": Field(
                "integer",
                "Minimum number of eligible domains: with fewer the global minimum is taken as "
                "0. Needs DoNotSchedule; 1 when unset.",
                proto=5,
                keep_zero=True,
            ),
            "nodeAffinityPolicy": Field(
                "string",
                "Honor (default: count only nodes matching the pod's node affinity and "
                "nodeSelector) or Ignore (count every node).",
                proto=6,
                keep_zero=True,
            ),
            "nodeTaintsPolicy": Field(
                "string",
                "Honor (count only nodes whose taints the pod tolerates) or Ignore (default: "
                "count every node).",
                proto=7,
                keep_zero=True,
            ),
            "matchLabelKeys": Field(
                _STRINGS,
                "Label keys whose values, taken from the incoming pod, are ANDed with "
                "labelSelector.",
                proto=8,
            ),
        },
        "How a group of pods is spread across topology domains.",
    ),
}

# --------------------------------------------------------------------------- the pod spec

_POD_SPEC_FIELDS: dict[str, Member] = {
    "volumes": Field(
        keyed(CORE + "Volume", "name", _MERGE_RETAIN),
        "Volumes the pod's containers can mount.",
        proto=1,
    ),
    "initContainers": Field(
        keyed(CORE + "Container", "name"),
        "Containers run one after the other, each to completion, before the regular "
        "containers start; a failure is handled per restartPolicy. Cannot be updated.",
        proto=20,
    ),
    "containers": Field(
        keyed(CORE + "Container", "name"),
        "The pod's containers; at least one. Containers cannot be added or removed.",
        proto=2,
    ),
    "ephemeralContainers": Field(
        keyed(CORE + "EphemeralContainer", "name"),
        "Debugging containers added to the running pod through its ephemeralcontainers "
        "subresource; cannot be set on create or by updating the pod.",
        proto=34,
    ),
    "restartPolicy": Field(
        "string",
        "Always, OnFailure or Never, for every container; defaults to Always.",
        proto=3,
    ),
    "terminationGracePeriodSeconds": Field(
        "integer",
        "Seconds between the termination signal and the kill signal when the pod is deleted; "
        "0 kills at once. Defaults to 30.",
        proto=4,
        keep_zero=True,
    ),
    "activeDeadlineSeconds": Field(
        "integer",
        "Seconds the pod may be active, from its start time, before it is failed and its "
        "containers killed; a positive integer.",
        proto=5,
        keep_zero=True,
    ),
    "dnsPolicy": Field(
        "string",
        "ClusterFirst (default), ClusterFirstWithHostNet, Default (the node's resolver) or "
        "None (only dnsConfig).",
        proto=6,
    ),
    "nodeSelector": Field(
        STRING_MAP, "Labels a node must have for the pod to be scheduled onto it.", proto=7
    ),
    "serviceAccountName": Field("string", "Service account the pod runs as.", proto=8),
    "serviceAccount": Field("string", "Deprecated alias of serviceAccountName.", proto=9),
    "automountServiceAccountToken": Field(
        "boolean",
        "Whether the service account's API token is mounted into the containers.",
        proto=21,
        keep_zero=True,
    ),
    "nodeName": Field(
        "string",
        "The node the pod is bound to; set by the scheduler (or directly, which skips it), after "
        "which that node's kubelet runs the pod.",
        proto=10,
    ),
    "hostNetwork": Field(
        "boolean",
        "Use the node's network namespace; ports in use must then be declared. Defaults to false.",
        proto=11,
    ),
    "hostPID": Field("boolean", "Use the node's PID namespace; defaults to false.", proto=12),
    "hostIPC": Field("boolean", "Use the node's IPC namespace; defaults to false.", proto=13),
    "shareProcessNamespace": Field(
        "boolean",
        "One PID namespace for all containers, so they see and signal each other's processes; "
        "not with hostPID. Defaults to false.",
        proto=27,
        keep_zero=True,
    ),
    "securityContext": Field(
        _ref("PodSecurityContext"), "Pod-level security settings and container defaults.", proto=14
    ),
    "imagePullSecrets": Field(
        keyed(CORE + "LocalObjectReference", "name"),
        "Secrets in the pod's namespace used to pull the containers' images.",
        proto=15,
    ),
    "hostname": Field("string", "The pod's hostname; a system-defined value when unset.", proto=16),
    "subdomain": Field(
        "string",
        "Makes the pod's FQDN <hostname>.<subdomain>.<namespace>.svc.<cluster domain>; no "
        "domain when unset.",
        proto=17,
    ),
    "affinity": Field(
        _ref("Affinity"), "Node affinity, pod affinity and anti-affinity rules.", proto=18
    ),
    "schedulerName": Field(
        "string", "The scheduler that places the pod; defaults to default-scheduler.", proto=19
    ),
    "tolerations": Field(_list_of("Toleration"), "Node taints the pod tolerates.", proto=22),
    "hostAliases": Field(
        keyed(CORE + "HostAlias", "ip"), "Entries added to the pod's /etc/hosts.", proto=23
    ),
    "priorityClassName": Field(
        "string",
        "PriorityClass giving the pod's priority; system-node-critical and "
        "system-cluster-critical are built in. The default class (or 0) when unset.",
        proto=24,
    ),
    "priority": Field(
        "integer",
        "The pod's priority, filled in from priorityClassName at admission; higher is more "
        "important.",
        proto=25,
        keep_zero=True,
    ),
    "dnsConfig": Field(
        _ref("PodDNSConfig"), "DNS settings merged into those dnsPolicy generates.", proto=26
    ),
    "readinessGates": Field(
        _list_of("PodReadinessGate"),
        "Extra pod conditions that must be True for the pod to be ready.",
        proto=28,
    ),
    "runtimeClassName": Field(
        "string",
        "RuntimeClass (node.k8s.io) to run the pod with; the default runtime handler when unset.",
        proto=29,
        keep_zero=True,
    ),
    "enableServiceLinks": Field(
        "boolean",
        "Inject Docker-link style environment variables for the namespace's services; defaults "
        "to true.",
        proto=30,
        keep_zero=True,
    ),
    "preemptionPolicy": Field(
        "string",
        "PreemptLowerPriority (default) lets the pod evict lower priority pods to fit; Never "
        "does not.",
        proto=31,
        keep_zero=True,
    ),
    "overhead": Field(
        QUANTITY_MAP,
        "Resources the pod's sandbox uses beyond its containers, set at admission from its "
        "RuntimeClass.",
        proto=32,
    ),
    "topologySpreadConstraints": Field(
        keyed(
            CORE + "TopologySpreadConstraint",
            "topologyKey",
            MERGE,
            "topologyKey",
            "whenUnsatisfiable",
        ),
        "How the pod and its peers are spread across topology domains; all are ANDed.",
        proto=33,
    ),
    "setHostnameAsFQDN": Field(
        "boolean",
        "Set the pod's FQDN as its hostname (uname -n); defaults to false.",
        proto=35,
        keep_zero=True,
    ),
    "os": Field(
        _ref("PodOS"),
        "The OS the containers need; when set, fields of the other OS are refused.",
        proto=36,
    ),
    "hostUsers": Field(
        "boolean",
        "Use the node's user namespace (default true); false gives the pod a user namespace of "
        "its own, so root inside is not root on the node.",
        proto=37,
        keep_zero=True,
    ),
    "schedulingGates": Field(
        keyed(CORE + "PodSchedulingGate", "name"),
        "While any gate remains the pod is not scheduled; gates can only be removed after "
        "creation.",
        proto=38,
    ),
    "resourceClaims": Field(
        keyed(CORE + "PodResourceClaim", "name", _MERGE_RETAIN),
        "ResourceClaims allocated before the pod starts, usable by its containers by name; "
        "immutable, needs the DynamicResourceAllocation feature.",
        proto=39,
    ),
    "resources": Field(
        _ref("ResourceRequirements"),
        "Resources of the pod as a whole (cpu, memory, hugepages); alpha in 1.32 "
        "(PodLevelResources).",
        proto=40,
    ),
}

_POD_SPEC: dict[str, Definition] = {
    CORE + "PodTemplateSpec": Struct(
        {
            "metadata": Field(
                OBJECT_META, "Labels, annotations, ... of the pods created.", proto=1
            ),
            "spec": Field(_ref("PodSpec"), "Specification of the pods created.", proto=2),
        },
        "The pod a controller creates copies of.",
    ),
    CORE + "PodSpec": Struct(_POD_SPEC_FIELDS, "The desired state of a pod."),
    CORE + "HostAlias": Struct(
        {
            "ip": Field("string", "IP address of the entry.", proto=1),
            "hostnames": Field(_STRINGS, "Host names of that IP.", proto=2),
        },
        "An /etc/hosts entry of a pod.",
    ),
    CORE + "PodDNSConfig": Struct(
        {
            "nameservers": Field(
                _STRINGS,
                "Name server IPs added to those of dnsPolicy; duplicates removed.",
                proto=1,
            ),
            "searches": Field(
                _STRINGS, "Search domains added to those of dnsPolicy; duplicates removed.", proto=2
            ),
            "options": Field(
                _list_of("PodDNSConfigOption"),
                "Resolver options merged with those of dnsPolicy; these win.",
                proto=3,
            ),
        },
        "DNS settings of a pod, on top of what dnsPolicy generates.",
    ),
    CORE + "PodDNSConfigOption": Struct(
        {
            "name": Field("string", "Option name, such as ndots. Required.", proto=1),
            "value": Field("string", "Option value, if it takes one.", proto=2, keep_zero=True),
        },
        "A resolver option.",
    ),
    CORE + "PodReadinessGate": Struct(
        {
            "conditionType": Field(
                "string",
                "Type of a pod condition that must be True for the pod to be ready.",
                proto=1,
            ),
        },
        "A pod condition the pod's readiness waits for.",
    ),
    CORE + "PodSchedulingGate": Struct(
        {"name": Field("string", "Name of the gate, unique in the pod.", proto=1)},
        "A gate that holds the pod back from scheduling until removed.",
    ),
    CORE + "PodResourceClaim": Struct(
        {
            "name": Field("string", "Name of the claim inside the pod, a DNS label.", proto=1),
            "resourceClaimName": Field(
                "string",
                "An existing ResourceClaim in the pod's namespace; exactly one of this and "
                "resourceClaimTemplateName is set.",
                proto=3,
                keep_zero=True,
            ),
            "resourceClaimTemplateName": Field(
                "string",
                "A ResourceClaimTemplate from which a claim owned by the pod is created (its "
                "name is recorded in status.resourceClaimStatuses).",
                proto=4,
                keep_zero=True,
            ),
        },
        "A ResourceClaim the pod uses, by name or created from a template.",
    ),
    CORE + "PodOS": Struct(
        {"name": Field("string", "linux or windows.", proto=1)},
        "The operating system a pod's containers need.",
    ),
}

# --------------------------------------------------------------------------- volumes

_FS_TYPE = "Filesystem to mount, such as ext4, xfs or ntfs; ext4 when unset."
_READ_ONLY = "Mount read-only, whatever the volume mounts say; defaults to false."
_SECRET_REF = "Secret in the pod's namespace holding the credentials."
_PARTITION = "Partition to mount, such as 1 for /dev/sda1; the whole volume when unset or 0."
_DEFAULT_MODE = (
    "Permission bits of created files (octal 0000-0777, decimal 0-511) unless an item sets "
    "its own; defaults to 0644."
)
_IN_TREE = "Deprecated in-tree plugin;"

_VOLUME_SOURCES: dict[str, tuple[str, int, str]] = {
    # field -> (definition, its number in the VolumeSource message, description)
    "hostPath": (
        "HostPathVolumeSource",
        1,
        "A file or directory of the node, exposed as is; for system agents, not for ordinary "
        "workloads.",
    ),
    "emptyDir": ("EmptyDirVolumeSource", 2, "An empty directory that lives as long as the pod."),
    "gcePersistentDisk": (
        "GCEPersistentDiskVolumeSource",
        3,
        f"{_IN_TREE} a GCE persistent disk attached to the node.",
    ),
    "awsElasticBlockStore": (
        "AWSElasticBlockStoreVolumeSource",
        4,
        f"{_IN_TREE} an AWS EBS disk attached to the node.",
    ),
    "gitRepo": (
        "GitRepoVolumeSource",
        5,
        "Deprecated: a git repository cloned into the volume; clone from an init container "
        "into an emptyDir instead.",
    ),
    "secret": ("SecretVolumeSource", 6, "A Secret's keys as files."),
    "nfs": ("NFSVolumeSource", 7, "An NFS export mounted for the pod's lifetime."),
    "iscsi": ("ISCSIVolumeSource", 8, "An iSCSI disk attached to the node."),
    "glusterfs": ("GlusterfsVolumeSource", 9, f"{_IN_TREE} a Glusterfs mount."),
    "persistentVolumeClaim": (
        "PersistentVolumeClaimVolumeSource",
        10,
        "The volume bound to a PersistentVolumeClaim of the pod's namespace.",
    ),
    "rbd": ("RBDVolumeSource", 11, f"{_IN_TREE} a Ceph RADOS block device."),
    "flexVolume": (
        "FlexVolumeSource",
        12,
        "Deprecated: a volume provisioned and attached by an exec-based driver.",
    ),
    "cinder": ("CinderVolumeSource", 13, f"{_IN_TREE} an OpenStack Cinder volume."),
    "cephfs": ("CephFSVolumeSource", 14, f"{_IN_TREE} a CephFS mount."),
    "flocker": ("FlockerVolumeSource", 15, f"{_IN_TREE} a Flocker dataset."),
    "downwardAPI": (
        "DownwardAPIVolumeSource",
        16,
        "Fields of the pod and its containers as files.",
    ),
    "fc": ("FCVolumeSource", 17, "A Fibre Channel disk attached to the node."),
    "azureFile": ("AzureFileVolumeSource", 18, f"{_IN_TREE} an Azure File share."),
    "configMap": ("ConfigMapVolumeSource", 19, "A ConfigMap's keys as files."),
    "vsphereVolume": (
        "VsphereVirtualDiskVolumeSource",
        20,
        f"{_IN_TREE} a vSphere virtual disk.",
    ),
    "quobyte": ("QuobyteVolumeSource", 21, f"{_IN_TREE} a Quobyte volume."),
    "azureDisk": ("AzureDiskVolumeSource", 22, f"{_IN_TREE} an Azure data disk."),
    "photonPersistentDisk": (
        "PhotonPersistentDiskVolumeSource",
        23,
        f"{_IN_TREE} a Photon Controller persistent disk.",
    ),
    "projected": (
        "ProjectedVolumeSource",
        26,
        "Secrets, ConfigMaps, downward API fields and service account tokens in one directory.",
    ),
    "portworxVolume": ("PortworxVolumeSource", 24, f"{_IN_TREE} a Portworx volume."),
    "scaleIO": ("ScaleIOVolumeSource", 25, f"{_IN_TREE} a ScaleIO volume."),
    "storageos": ("StorageOSVolumeSource", 27, f"{_IN_TREE} a StorageOS volume."),
    "csi": (
        "CSIVolumeSource",
        28,
        "An ephemeral volume provided by a CSI driver that supports inline volumes.",
    ),
    "ephemeral": (
        "EphemeralVolumeSource",
        29,
        "A PersistentVolumeClaim created for the pod from a template and deleted with it.",
    ),
    "image": (
        "ImageVolumeSource",
        30,
        "An OCI image or artifact mounted read-only and non-executable; alpha (ImageVolume).",
    ),
}

_VOLUME: dict[str, Member] = {
    "name": Field("string", "Name of the volume, a DNS label unique in the pod.", proto=1),
    # VolumeSource, embedded inline: field 2 in protobuf
    **_embedded(
        2,
        {
            field: Field(
                _ref(definition), f"{description} At most one source is set.", proto=number
            )
            for field, (definition, number, description) in _VOLUME_SOURCES.items()
        },
    ),
}

_LOCAL_VOLUMES: dict[str, Definition] = {
    CORE + "Volume": Struct(
        _VOLUME,
        "A named volume of a pod and its source; with no source it is an emptyDir.",
    ),
    CORE + "KeyToPath": Struct(
        {
            "key": Field("string", "The key to project.", proto=1),
            "path": Field(
                "string", "Relative path of the file; must not contain or start with '..'.", proto=2
            ),
            "mode": Field(
                "integer",
                "Permission bits of the file (octal 0000-0777, decimal 0-511); the volume's "
                "defaultMode when unset.",
                proto=3,
                keep_zero=True,
            ),
        },
        "Maps a key to a file path in a volume.",
    ),
    CORE + "HostPathVolumeSource": Struct(
        {
            "path": Field("string", "Path on the node; a symlink is followed.", proto=1),
            "type": Field(
                "string",
                "What must be at the path: '' (no check, default), DirectoryOrCreate, Directory, "
                "FileOrCreate, File, Socket, CharDevice or BlockDevice.",
                proto=2,
                keep_zero=True,
            ),
        },
        "A path of the node.",
    ),
    CORE + "EmptyDirVolumeSource": Struct(
        {
            "medium": Field(
                "string",
                "Storage backing the directory: '' (the node's disk, default) or Memory.",
                proto=1,
            ),
            "sizeLimit": Field(
                Ref(QUANTITY),
                "Most local storage (or memory) the directory may use; unlimited when unset.",
                proto=2,
            ),
        },
        "An empty directory for the pod's lifetime.",
    ),
    CORE + "SecretVolumeSource": Struct(
        {
            "secretName": Field("string", "Name of the Secret in the pod's namespace.", proto=1),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key, named after itself, when unset. A "
                "listed missing key is an error unless optional.",
                proto=2,
            ),
            "defaultMode": Field("integer", _DEFAULT_MODE, proto=3, keep_zero=True),
            "optional": Field(
                "boolean",
                "If true, a missing Secret or key is not an error; defaults to false.",
                proto=4,
                keep_zero=True,
            ),
        },
        "A Secret presented as files.",
    ),
    CORE + "ConfigMapVolumeSource": Struct(
        {
            "name": Field(
                "string", "Name of the ConfigMap in the pod's namespace.", proto=1, inline=1
            ),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key, named after itself, when unset. A "
                "listed missing key is an error unless optional.",
                proto=2,
            ),
            "defaultMode": Field("integer", _DEFAULT_MODE, proto=3, keep_zero=True),
            "optional": Field(
                "boolean",
                "If true, a missing ConfigMap or key is not an error; defaults to false.",
                proto=4,
                keep_zero=True,
            ),
        },
        "A ConfigMap presented as files.",
    ),
    CORE + "PersistentVolumeClaimVolumeSource": Struct(
        {
            "claimName": Field("string", "Name of the claim in the pod's namespace.", proto=1),
            "readOnly": Field("boolean", _READ_ONLY, proto=2),
        },
        "Mounts the volume bound to a PersistentVolumeClaim.",
    ),
    CORE + "DownwardAPIVolumeSource": Struct(
        {
            "items": Field(_list_of("DownwardAPIVolumeFile"), "The files to create.", proto=1),
            "defaultMode": Field("integer", _DEFAULT_MODE, proto=2, keep_zero=True),
        },
        "Fields of the pod and its containers as files.",
    ),
    CORE + "DownwardAPIVolumeFile": Struct(
        {
            "path": Field(
                "string",
                "Relative path of the file; must not be absolute, contain '..' or start with '..'.",
                proto=1,
            ),
            "fieldRef": Field(
                _ref("ObjectFieldSelector"),
                "A field of the pod: metadata name, namespace, uid, labels or annotations.",
                proto=2,
            ),
            "resourceFieldRef": Field(
                _ref("ResourceFieldSelector"),
                "A container limit or request (limits.cpu, requests.memory, ...).",
                proto=3,
            ),
            "mode": Field(
                "integer",
                "Permission bits of the file (octal 0000-0777, decimal 0-511); the volume's "
                "defaultMode when unset.",
                proto=4,
                keep_zero=True,
            ),
        },
        "One file of a downward API volume; exactly one of fieldRef and resourceFieldRef.",
    ),
    CORE + "ProjectedVolumeSource": Struct(
        {
            "sources": Field(
                _list_of("VolumeProjection"), "What to project, one source each.", proto=1
            ),
            "defaultMode": Field("integer", _DEFAULT_MODE, proto=2, keep_zero=True),
        },
        "Several sources projected into one directory.",
    ),
    CORE + "VolumeProjection": Struct(
        {
            "secret": Field(_ref("SecretProjection"), "Keys of a Secret.", proto=1),
            "downwardAPI": Field(_ref("DownwardAPIProjection"), "Fields of the pod.", proto=2),
            "configMap": Field(_ref("ConfigMapProjection"), "Keys of a ConfigMap.", proto=3),
            "serviceAccountToken": Field(
                _ref("ServiceAccountTokenProjection"),
                "A token of the pod's service account.",
                proto=4,
            ),
            "clusterTrustBundle": Field(
                _ref("ClusterTrustBundleProjection"),
                "Certificates of ClusterTrustBundles, kept up to date; alpha "
                "(ClusterTrustBundleProjection).",
                proto=5,
            ),
        },
        "One source of a projected volume; exactly one field is set.",
    ),
    CORE + "SecretProjection": Struct(
        {
            "name": Field(
                "string", "Name of the Secret in the pod's namespace.", proto=1, inline=1
            ),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key when unset.",
                proto=2,
            ),
            "optional": Field(
                "boolean",
                "If true, a missing Secret or key is not an error; defaults to false.",
                proto=4,
                keep_zero=True,
            ),
        },
        "A Secret's keys in a projected volume.",
    ),
    CORE + "ConfigMapProjection": Struct(
        {
            "name": Field(
                "string", "Name of the ConfigMap in the pod's namespace.", proto=1, inline=1
            ),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key when unset.",
                proto=2,
            ),
            "optional": Field(
                "boolean",
                "If true, a missing ConfigMap or key is not an error; defaults to false.",
                proto=4,
                keep_zero=True,
            ),
        },
        "A ConfigMap's keys in a projected volume.",
    ),
    CORE + "DownwardAPIProjection": Struct(
        {"items": Field(_list_of("DownwardAPIVolumeFile"), "The files to create.", proto=1)},
        "Fields of the pod in a projected volume.",
    ),
    CORE + "ServiceAccountTokenProjection": Struct(
        {
            "audience": Field(
                "string",
                "Audience the token is issued for; defaults to the API server's identifier.",
                proto=1,
            ),
            "expirationSeconds": Field(
                "integer",
                "Requested lifetime of the token, at least 600; defaults to 3600. The kubelet "
                "renews it after 80% of that or 24 hours.",
                proto=2,
                keep_zero=True,
            ),
            "path": Field("string", "Relative path of the token file.", proto=3),
        },
        "A service account token in a projected volume.",
    ),
    CORE + "ClusterTrustBundleProjection": Struct(
        {
            "name": Field(
                "string",
                "One ClusterTrustBundle by name; exclusive with signerName.",
                proto=1,
                keep_zero=True,
            ),
            "signerName": Field(
                "string",
                "Every ClusterTrustBundle of this signer, merged and deduplicated; exclusive "
                "with name.",
                proto=2,
                keep_zero=True,
            ),
            "labelSelector": Field(
                LABEL_SELECTOR,
                "With signerName, only the bundles matching it; null matches none, {} all.",
                proto=3,
            ),
            "optional": Field(
                "boolean",
                "If true, the pod starts even when no bundle is found; defaults to false.",
                proto=5,
                keep_zero=True,
            ),
            "path": Field("string", "Relative path of the PEM file.", proto=4),
        },
        "ClusterTrustBundle certificates in a projected volume.",
    ),
    CORE + "EphemeralVolumeSource": Struct(
        {
            "volumeClaimTemplate": Field(
                _ref("PersistentVolumeClaimTemplate"),
                "The claim to create, named <pod>-<volume> and owned by the pod. Required.",
                proto=1,
            ),
        },
        "A volume from a PersistentVolumeClaim created for the pod and deleted with it.",
    ),
    CORE + "PersistentVolumeClaimTemplate": Struct(
        {
            "metadata": Field(
                OBJECT_META,
                "Labels and annotations copied into the claim; nothing else allowed.",
                proto=1,
            ),
            "spec": Field(
                Ref(CORE + "PersistentVolumeClaimSpec"),
                "Specification of the claim, copied unchanged into it. Required.",
                proto=2,
            ),
        },
        "A PersistentVolumeClaim to create for an ephemeral volume.",
    ),
    CORE + "CSIVolumeSource": Struct(
        {
            "driver": Field(
                "string", "Name of the CSI driver, as registered in the cluster.", proto=1
            ),
            "readOnly": Field(
                "boolean", "Mount read-only; defaults to false.", proto=2, keep_zero=True
            ),
            "fsType": Field(
                "string",
                "Filesystem to mount; the driver chooses when unset.",
                proto=3,
                keep_zero=True,
            ),
            "volumeAttributes": Field(STRING_MAP, "Driver-specific properties.", proto=4),
            "nodePublishSecretRef": Field(
                _ref("LocalObjectReference"),
                "Secret passed to the driver's NodePublishVolume and NodeUnpublishVolume calls.",
                proto=5,
            ),
        },
        "An inline volume of a CSI driver.",
    ),
    CORE + "ImageVolumeSource": Struct(
        {
            "reference": Field(
                "string",
                "Image or artifact reference, resolved like a container image (same pull secrets).",
                proto=1,
            ),
            "pullPolicy": Field(
                "string",
                "Always, Never or IfNotPresent; defaults to Always for :latest and IfNotPresent "
                "otherwise.",
                proto=2,
            ),
        },
        "An OCI image or artifact as a read-only volume.",
    ),
}

_NETWORK_VOLUMES: dict[str, Definition] = {
    CORE + "NFSVolumeSource": Struct(
        {
            "server": Field("string", "Host name or IP of the NFS server.", proto=1),
            "path": Field("string", "Path exported by the server.", proto=2),
            "readOnly": Field("boolean", _READ_ONLY, proto=3),
        },
        "An NFS export.",
    ),
    CORE + "ISCSIVolumeSource": Struct(
        {
            "targetPortal": Field(
                "string",
                "Target portal: an IP, or ip:port when not the default 860 or 3260.",
                proto=1,
            ),
            "iqn": Field("string", "iSCSI qualified name of the target.", proto=2),
            "lun": Field("integer", "Target LUN number.", proto=3),
            "iscsiInterface": Field(
                "string",
                "iSCSI interface (transport) to use; defaults to 'default' (tcp).",
                proto=4,
            ),
            "fsType": Field("string", _FS_TYPE, proto=5),
            "readOnly": Field("boolean", _READ_ONLY, proto=6),
            "portals": Field(
                _STRINGS, "More target portals (ip or ip:port), for multipath.", proto=7
            ),
            "chapAuthDiscovery": Field(
                "boolean", "Use CHAP authentication for discovery.", proto=8
            ),
            "chapAuthSession": Field(
                "boolean", "Use CHAP authentication for the session.", proto=11
            ),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the CHAP credentials.", proto=10
            ),
            "initiatorName": Field(
                "string",
                "Custom initiator name; with iscsiInterface a new interface "
                "<portal>:<volume> is created.",
                proto=12,
                keep_zero=True,
            ),
        },
        "An iSCSI disk; mounted read-write by one pod at a time.",
    ),
    CORE + "FCVolumeSource": Struct(
        {
            "targetWWNs": Field(_STRINGS, "World wide names of the targets.", proto=1),
            "lun": Field("integer", "Target LUN number.", proto=2, keep_zero=True),
            "fsType": Field("string", _FS_TYPE, proto=3),
            "readOnly": Field("boolean", _READ_ONLY, proto=4),
            "wwids": Field(
                _STRINGS,
                "World wide identifiers of the volume; instead of targetWWNs and lun.",
                proto=5,
            ),
        },
        "A Fibre Channel disk; mounted read-write by one pod at a time.",
    ),
    CORE + "GlusterfsVolumeSource": Struct(
        {
            "endpoints": Field(
                "string", "Endpoints object listing the Glusterfs servers.", proto=1
            ),
            "path": Field("string", "Glusterfs volume path.", proto=2),
            "readOnly": Field("boolean", _READ_ONLY, proto=3),
        },
        "A Glusterfs volume.",
    ),
    CORE + "RBDVolumeSource": Struct(
        {
            "monitors": Field(_STRINGS, "Ceph monitor addresses.", proto=1),
            "image": Field("string", "RADOS image name.", proto=2),
            "fsType": Field("string", _FS_TYPE, proto=3),
            "pool": Field("string", "RADOS pool; defaults to rbd.", proto=4),
            "user": Field("string", "RADOS user; defaults to admin.", proto=5),
            "keyring": Field(
                "string", "Path of the keyring; defaults to /etc/ceph/keyring.", proto=6
            ),
            "secretRef": Field(
                _ref("LocalObjectReference"),
                "Secret with the user's key; overrides keyring.",
                proto=7,
            ),
            "readOnly": Field("boolean", _READ_ONLY, proto=8),
        },
        "A Ceph RADOS block device.",
    ),
    CORE + "CephFSVolumeSource": Struct(
        {
            "monitors": Field(_STRINGS, "Ceph monitor addresses. Required.", proto=1),
            "path": Field(
                "string", "Root of the mount inside the Ceph tree; defaults to /.", proto=2
            ),
            "user": Field("string", "RADOS user; defaults to admin.", proto=3),
            "secretFile": Field(
                "string", "Path of the user's keyring; defaults to /etc/ceph/user.secret.", proto=4
            ),
            "secretRef": Field(
                _ref("LocalObjectReference"),
                "Secret with the user's key; overrides secretFile.",
                proto=5,
            ),
            "readOnly": Field("boolean", _READ_ONLY, proto=6),
        },
        "A CephFS mount.",
    ),
    CORE + "CinderVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the Cinder volume.", proto=1),
            "fsType": Field("string", _FS_TYPE, proto=2),
            "readOnly": Field("boolean", _READ_ONLY, proto=3),
            "secretRef": Field(
                _ref("LocalObjectReference"),
                "Secret with the OpenStack connection parameters.",
                proto=4,
            ),
        },
        "An OpenStack Cinder volume.",
    ),
    CORE + "FlexVolumeSource": Struct(
        {
            "driver": Field("string", "Name of the driver.", proto=1),
            "fsType": Field(
                "string", "Filesystem to mount; the driver script's default when unset.", proto=2
            ),
            "secretRef": Field(
                _ref("LocalObjectReference"),
                "Secret whose keys are all passed to the driver scripts.",
                proto=3,
            ),
            "readOnly": Field("boolean", _READ_ONLY, proto=4),
            "options": Field(STRING_MAP, "Extra options passed to the driver.", proto=5),
        },
        "A volume handled by an exec-based (FlexVolume) driver.",
    ),
    CORE + "FlockerVolumeSource": Struct(
        {
            "datasetName": Field(
                "string", "Name of the dataset (deprecated); exclusive with datasetUUID.", proto=1
            ),
            "datasetUUID": Field(
                "string", "UUID of the dataset; exclusive with datasetName.", proto=2
            ),
        },
        "A Flocker dataset.",
    ),
    CORE + "AzureFileVolumeSource": Struct(
        {
            "secretName": Field("string", "Secret with the storage account name and key.", proto=1),
            "shareName": Field("string", "Name of the file share.", proto=2),
            "readOnly": Field("boolean", _READ_ONLY, proto=3),
        },
        "An Azure File share.",
    ),
    CORE + "AzureDiskVolumeSource": Struct(
        {
            "diskName": Field("string", "Name of the data disk in the blob storage.", proto=1),
            "diskURI": Field("string", "URI of the data disk in the blob storage.", proto=2),
            "cachingMode": Field(
                "string",
                "Host caching: None, ReadOnly or ReadWrite; defaults to ReadWrite.",
                proto=3,
                keep_zero=True,
            ),
            "fsType": Field("string", _FS_TYPE, proto=4, keep_zero=True),
            "readOnly": Field("boolean", _READ_ONLY, proto=5, keep_zero=True),
            "kind": Field(
                "string",
                "Shared (several blob disks per storage account, default), Dedicated (one) or "
                "Managed (an Azure managed disk).",
                proto=6,
                keep_zero=True,
            ),
        },
        "An Azure data disk.",
    ),
    CORE + "VsphereVirtualDiskVolumeSource": Struct(
        {
            "volumePath": Field("string", "Path of the vmdk.", proto=1),
            "fsType": Field("string", _FS_TYPE, proto=2),
            "storagePolicyName": Field(
                "string", "Storage Policy Based Management (SPBM) profile name.", proto=3
            ),
            "storagePolicyID": Field("string", "ID of that SPBM profile.", proto=4),
        },
        "A vSphere virtual disk.",
    ),
    CORE + "QuobyteVolumeSource": Struct(
        {
            "registry": Field(
                "string", "Quobyte registry services, host:port pairs separated by commas.", proto=1
            ),
            "volume": Field("string", "Name of an existing Quobyte volume.", proto=2),
            "readOnly": Field("boolean", _READ_ONLY, proto=3),
            "user": Field(
                "string", "User volume access is mapped to; the service account's.", proto=4
            ),
            "group": Field("string", "Group volume access is mapped to; none by default.", proto=5),
            "tenant": Field(
                "string", "Tenant owning the volume; set by the plugin when provisioned.", proto=6
            ),
        },
        "A Quobyte volume.",
    ),
    CORE + "PhotonPersistentDiskVolumeSource": Struct(
        {
            "pdID": Field("string", "ID of the Photon Controller persistent disk.", proto=1),
            "fsType": Field("string", _FS_TYPE, proto=2),
        },
        "A Photon Controller persistent disk.",
    ),
    CORE + "PortworxVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the Portworx volume.", proto=1),
            "fsType": Field("string", _FS_TYPE, proto=2),
            "readOnly": Field("boolean", _READ_ONLY, proto=3),
        },
        "A Portworx volume.",
    ),
    CORE + "ScaleIOVolumeSource": Struct(
        {
            "gateway": Field("string", "Host address of the ScaleIO API gateway.", proto=1),
            "system": Field("string", "Name of the ScaleIO storage system.", proto=2),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the ScaleIO user's credentials.", proto=3
            ),
            "sslEnabled": Field(
                "boolean", "Talk to the gateway over SSL; defaults to false.", proto=4
            ),
            "protectionDomain": Field(
                "string", "ScaleIO protection domain of the storage.", proto=5
            ),
            "storagePool": Field(
                "string", "ScaleIO storage pool of that protection domain.", proto=6
            ),
            "storageMode": Field(
                "string",
                "ThickProvisioned or ThinProvisioned; defaults to ThinProvisioned.",
                proto=7,
            ),
            "volumeName": Field(
                "string", "Name of an existing volume in the ScaleIO system.", proto=8
            ),
            "fsType": Field(
                "string", "Filesystem to mount, such as ext4; defaults to xfs.", proto=9
            ),
            "readOnly": Field("boolean", _READ_ONLY, proto=10),
        },
        "A ScaleIO volume.",
    ),
    CORE + "StorageOSVolumeSource": Struct(
        {
            "volumeName": Field(
                "string", "Name of the StorageOS volume, unique per namespace.", proto=1
            ),
            "volumeNamespace": Field(
                "string",
                "StorageOS namespace of the volume; the pod's namespace when unset, 'default' "
                "to not use namespaces.",
                proto=2,
            ),
            "fsType": Field("string", _FS_TYPE, proto=3),
            "readOnly": Field("boolean", _READ_ONLY, proto=4),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the StorageOS API credentials.", proto=5
            ),
        },
        "A StorageOS volume.",
    ),
    CORE + "GCEPersistentDiskVolumeSource": Struct(
        {
            "pdName": Field("string", "Name of the persistent disk in GCE.", proto=1),
            "fsType": Field("string", _FS_TYPE, proto=2),
            "partition": Field("integer", _PARTITION, proto=3),
            "readOnly": Field("boolean", _READ_ONLY, proto=4),
        },
        "A GCE persistent disk.",
    ),
    CORE + "AWSElasticBlockStoreVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the EBS volume.", proto=1),
            "fsType": Field("string", _FS_TYPE, proto=2),
            "partition": Field("integer", _PARTITION, proto=3),
            "readOnly": Field("boolean", _READ_ONLY, proto=4),
        },
        "An AWS EBS volume.",
    ),
    CORE + "GitRepoVolumeSource": Struct(
        {
            "repository": Field("string", "URL of the repository.", proto=1),
            "revision": Field("string", "Commit hash to check out.", proto=2),
            "directory": Field(
                "string",
                "Directory to clone into, without '..'; '.' clones into the volume's root, "
                "default is a subdirectory named after the repository.",
                proto=3,
            ),
        },
        "A git repository cloned into an empty directory.",
    ),
}

# --------------------------------------------------------------------------- status

_STATUS: dict[str, Definition] = {
    CORE + "PodStatus": Struct(
        {
            "phase": Field(
                "string",
                "Summary of the pod's lifecycle: Pending (accepted, not all containers running "
                "yet), Running, Succeeded, Failed or Unknown.",
                proto=1,
            ),
            "conditions": Field(
                keyed(CORE + "PodCondition", "type"),
                "The pod's conditions: PodScheduled, Initialized, ContainersReady, Ready, ...",
                proto=2,
            ),
            "message": Field(
                "string", "Human-readable details of why the pod is in this state.", proto=3
            ),
            "reason": Field(
                "string", "Brief CamelCase reason for this state, such as Evicted.", proto=4
            ),
            "nominatedNodeName": Field(
                "string",
                "Node on which this pod preempted others and expects to run once they are gone; "
                "not a promise, the pod may still land elsewhere.",
                proto=11,
            ),
            "hostIP": Field(
                "string",
                "Primary IP of the node the pod is assigned to; empty until it starts.",
                proto=5,
            ),
            "hostIPs": Field(
                Array(_ref("HostIP"), "ip", MERGE, "atomic"),
                "IPs of the node, the first equal to hostIP; empty until the pod starts.",
                proto=16,
            ),
            "podIP": Field(
                "string",
                "Primary IP of the pod, routable within the cluster; empty until set.",
                proto=6,
            ),
            "podIPs": Field(
                keyed(CORE + "PodIP", "ip"),
                "IPs of the pod, the first equal to podIP; at most one IPv4 and one IPv6.",
                proto=12,
            ),
            "startTime": Field(
                TIME, "When the kubelet acknowledged the pod, before pulling its images.", proto=7
            ),
            "initContainerStatuses": Field(
                _list_of("ContainerStatus"),
                "One status per init container, in spec order.",
                proto=10,
            ),
            "containerStatuses": Field(
                _list_of("ContainerStatus"), "One status per container of the spec.", proto=8
            ),
            "qosClass": Field(
                "string",
                "Quality of service class from the containers' requests and limits: "
                "Guaranteed, Burstable or BestEffort.",
                proto=9,
            ),
            "ephemeralContainerStatuses": Field(
                _list_of("ContainerStatus"),
                "Statuses of the ephemeral containers that ran.",
                proto=13,
            ),
            "resize": Field(
                "string",
                "State of a pending in-place resize: Proposed, InProgress, Deferred or "
                "Infeasible; empty when none is pending.",
                proto=14,
            ),
            "resourceClaimStatuses": Field(
                keyed(CORE + "PodResourceClaimStatus", "name", _MERGE_RETAIN),
                "Names of the ResourceClaims generated for the pod's resourceClaims.",
                proto=15,
            ),
        },
        "The observed state of a pod; it may lag behind reality.",
    ),
    CORE + "PodCondition": Struct(
        {
            "type": Field(
                "string",
                "Type of the condition: PodScheduled, PodReadyToStartContainers, Initialized, "
                "ContainersReady, Ready, DisruptionTarget or a readiness gate's.",
                proto=1,
            ),
            "status": Field("string", "True, False or Unknown.", proto=2),
            "lastProbeTime": Field(TIME, "When the condition was last checked.", proto=3),
            "lastTransitionTime": Field(TIME, "When the status last changed.", proto=4),
            "reason": Field(
                "string", "One-word CamelCase reason for the last transition.", proto=5
            ),
            "message": Field("string", "Human-readable details of the last transition.", proto=6),
        },
        "One aspect of a pod's state.",
    ),
    CORE + "PodIP": Struct(
        {"ip": Field("string", "An IP address (IPv4 or IPv6) of the pod.", proto=1)},
        "An IP address of a pod.",
    ),
    CORE + "HostIP": Struct(
        {"ip": Field("string", "An IP address (IPv4 or IPv6) of the node.", proto=1)},
        "An IP address of the pod's node.",
    ),
    CORE + "PodResourceClaimStatus": Struct(
        {
            "name": Field("string", "Name of the entry in spec.resourceClaims.", proto=1),
            "resourceClaimName": Field(
                "string",
                "Name of the ResourceClaim generated for it; unset when none was needed.",
                proto=2,
                keep_zero=True,
            ),
        },
        "The ResourceClaim generated for one of the pod's resource claims.",
    ),
    CORE + "ContainerStatus": Struct(
        {
            "name": Field("string", "Name of the container.", proto=1),
            "state": Field(_ref("ContainerState"), "Current state of the container.", proto=2),
            "lastState": Field(
                _ref("ContainerState"),
                "How the previous run of the container ended; empty if it never restarted.",
                proto=3,
            ),
            "ready": Field(
                "boolean",
                "Whether the container passes its readiness probe (true once started when it "
                "has none).",
                proto=4,
            ),
            "restartCount": Field(
                "integer", "How many times the container was restarted; may reset to 0.", proto=5
            ),
            "image": Field(
                "string", "Image the container runs, as resolved by the runtime.", proto=6
            ),
            "imageID": Field("string", "ID of that image.", proto=7),
            "containerID": Field(
                "string", "ID of the container as <runtime>://<id>, such as docker://1a2b.", proto=8
            ),
            "started": Field(
                "boolean",
                "Whether the container has run its postStart hook and passed its startup "
                "probe; false again after a restart.",
                proto=9,
                keep_zero=True,
            ),
            "allocatedResources": Field(
                QUANTITY_MAP,
                "Resources the node has allocated to the container (its admitted requests).",
                proto=10,
            ),
            "resources": Field(
                _ref("ResourceRequirements"),
                "Requests and limits actually applied to the running container.",
                proto=11,
            ),
            "volumeMounts": Field(
                keyed(CORE + "VolumeMountStatus", "mountPath"),
                "Status of the volume mounts.",
                proto=12,
            ),
            "user": Field(
                _ref("ContainerUser"), "Identity of the container's first process.", proto=13
            ),
            "allocatedResourcesStatus": Field(
                keyed(CORE + "ResourceStatus", "name"),
                "Health of the devices and claims allocated to the container.",
                proto=14,
            ),
        },
        "The observed state of one container.",
    ),
    CORE + "ContainerState": Struct(
        {
            "waiting": Field(
                _ref("ContainerStateWaiting"), "Set while the container waits.", proto=1
            ),
            "running": Field(
                _ref("ContainerStateRunning"), "Set while the container runs.", proto=2
            ),
            "terminated": Field(
                _ref("ContainerStateTerminated"), "Set once the container has ended.", proto=3
            ),
        },
        "The state of a container; at most one field is set, waiting when none is.",
    ),
    CORE + "ContainerStateWaiting": Struct(
        {
            "reason": Field(
                "string", "Brief reason it is not running yet, such as ContainerCreating.", proto=1
            ),
            "message": Field("string", "Details of why it is not running yet.", proto=2),
        },
        "A container not yet running.",
    ),
    CORE + "ContainerStateRunning": Struct(
        {"startedAt": Field(TIME, "When the container was last (re)started.", proto=1)},
        "A running container.",
    ),
    CORE + "ContainerStateTerminated": Struct(
        {
            "exitCode": Field("integer", "Exit status of the container's process.", proto=1),
            "signal": Field("integer", "Signal that ended the process, if any.", proto=2),
            "reason": Field(
                "string", "Brief reason it ended, such as Completed or OOMKilled.", proto=3
            ),
            "message": Field(
                "string", "Details of how it ended (the termination message).", proto=4
            ),
            "startedAt": Field(TIME, "When this run started.", proto=5),
            "finishedAt": Field(TIME, "When this run ended.", proto=6),
            "containerID": Field("string", "ID of the container as <runtime>://<id>.", proto=7),
        },
        "A container that has ended.",
    ),
    CORE + "VolumeMountStatus": Struct(
        {
            "name": Field("string", "Name of the volume mount.", proto=1),
            "mountPath": Field("string", "Path of the mount in the container.", proto=2),
            "readOnly": Field("boolean", "Whether the mount is read-only.", proto=3),
            "recursiveReadOnly": Field(
                "string",
                "Disabled or Enabled, as actually applied (IfPossible resolves to one of them).",
                proto=4,
                keep_zero=True,
            ),
        },
        "The observed state of a volume mount.",
    ),
    CORE + "ContainerUser": Struct(
        {
            "linux": Field(
                _ref("LinuxContainerUser"),
                "The Linux identity; the process may change it if privileged enough.",
                proto=1,
            ),
        },
        "The identity of a container's first process.",
    ),
    CORE + "LinuxContainerUser": Struct(
        {
            "uid": Field("integer", "Primary UID of the first process.", proto=1),
            "gid": Field("integer", "Primary GID of the first process.", proto=2),
            "supplementalGroups": Field(
                atomic("integer"), "Supplemental groups of the first process.", proto=3
            ),
        },
        "A Linux user identity.",
    ),
    CORE + "ResourceStatus": Struct(
        {
            "name": Field(
                "string",
                "Resource name from the pod spec, or claim:<claim>/<request> for a dynamically "
                "allocated one.",
                proto=1,
            ),
            "resources": Field(
                Array(_ref("ResourceHealth"), list_type="map", map_keys=("resourceID",)),
                "Health of each allocated device, by unique resource ID.",
                proto=2,
            ),
        },
        "The health of the devices behind one resource of a container.",
    ),
    CORE + "ResourceHealth": Struct(
        {
            "resourceID": Field("string", "Unique ID of the device on the node.", proto=1),
            "health": Field("string", "Healthy, Unhealthy or Unknown.", proto=2),
        },
        "The health of one allocated device.",
    ),
}

DEFINITIONS: dict[str, Definition] = {
    **_REFERENCES,
    **_ENV,
    **_ACTIONS,
    **_PROBES,
    **_SECURITY,
    **_RESOURCES,
    **_PORTS_AND_MOUNTS,
    **_CONTAINERS,
    **_SCHEDULING,
    **_POD_SPEC,
    **_LOCAL_VOLUMES,
    **_NETWORK_VOLUMES,
    **_STATUS,
}
