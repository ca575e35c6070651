"""The shape of a pod: every core/v1 type reachable from PodSpec, PodStatus and PodTemplateSpec
in Kubernetes v1.32, described field by field, plus the references and the Binding the pod's
subresources use. These definitions are shared: the Pod kind declares them
(`pod.DEFINITIONS` is this dict), every kind with a pod template reaches them through
`POD_TEMPLATE`, and the PersistentVolume kind refers to the volume sources and node
selectors defined here by name. List semantics are Kubernetes' own (`patchMergeKey`,
`patchStrategy`, `listType`, `listMapKey`): the strategic merge patch, and so `kubectl
apply`, merges `containers` by name, `ports` by containerPort, `volumeMounts` by mountPath
and so on because of them. Descriptions are what `kubectl explain` prints.
"""

from __future__ import annotations

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


_STRINGS = atomic("string")
_MERGE_RETAIN = "merge,retainKeys"

# --------------------------------------------------------------------------- references

_REFERENCES: dict[str, Definition] = {
    CORE + "LocalObjectReference": Struct(
        {"name": Field("string", "Name of the referenced object, in the same namespace.")},
        "A reference to an object by name within the referrer's namespace.",
    ),
    CORE + "TypedLocalObjectReference": Struct(
        {
            "apiGroup": Field(
                "string", "API group of the referenced object; empty for the core group."
            ),
            "kind": Field("string", "Kind of the referenced object."),
            "name": Field("string", "Name of the referenced object."),
        },
        "A reference to an object of a given kind within the referrer's namespace.",
    ),
    CORE + "ObjectReference": Struct(
        {
            "kind": Field("string", "Kind of the referenced object."),
            "namespace": Field("string", "Namespace of the referenced object."),
            "name": Field("string", "Name of the referenced object."),
            "uid": Field("string", "UID of the referenced object."),
            "apiVersion": Field("string", "API version of the referenced object."),
            "resourceVersion": Field(
                "string", "The resourceVersion of the referenced object this reference was made to."
            ),
            "fieldPath": Field(
                "string",
                "A field of the object this reference points into, such as "
                "`spec.containers{name}` for one container of a pod.",
            ),
        },
        "A reference to any object, with enough information to fetch or inspect it.",
    ),
    CORE + "Binding": Struct(
        {
            "apiVersion": Field("string", "API version of this object, v1."),
            "kind": Field("string", "Kind of this object, Binding."),
            "metadata": Field(OBJECT_META, "Name and namespace of the pod being bound."),
            "target": Field(
                _ref("ObjectReference"), "The node the pod is bound to (kind Node and its name)."
            ),
        },
        "Binds a pod to a node; the body of a pod's binding subresource, posted by schedulers.",
    ),
}

# --------------------------------------------------------------------------- containers

_ENV: dict[str, Definition] = {
    CORE + "EnvVar": Struct(
        {
            "name": Field("string", "Name of the variable; must be a C identifier."),
            "value": Field(
                "string",
                "Literal value; $(VAR) references to earlier variables are expanded and $$ "
                "escapes a $. Defaults to the empty string.",
            ),
            "valueFrom": Field(
                _ref("EnvVarSource"), "Where to read the value from; not allowed with value."
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
            ),
            "resourceFieldRef": Field(
                _ref("ResourceFieldSelector"),
                "A limit or request of the container: limits.cpu, limits.memory, "
                "limits.ephemeral-storage, requests.cpu, requests.memory or "
                "requests.ephemeral-storage.",
            ),
            "configMapKeyRef": Field(_ref("ConfigMapKeySelector"), "A key of a ConfigMap."),
            "secretKeyRef": Field(
                _ref("SecretKeySelector"), "A key of a Secret in the pod's namespace."
            ),
        },
        "The source of an environment variable's value; exactly one field is set.",
    ),
    CORE + "ObjectFieldSelector": Struct(
        {
            "apiVersion": Field(
                "string", "API version the fieldPath is written against; defaults to v1."
            ),
            "fieldPath": Field("string", "Path of the field to select, such as metadata.name."),
        },
        "Selects a field of the pod by its path.",
    ),
    CORE + "ResourceFieldSelector": Struct(
        {
            "containerName": Field(
                "string",
                "Container whose resources are read; required in volumes, defaults to the "
                "current container in environment variables.",
            ),
            "resource": Field("string", "The resource to read, such as limits.cpu."),
            "divisor": Field(
                Ref(QUANTITY),
                "Unit the value is expressed in (the value is divided by it and rounded up); "
                "defaults to 1.",
            ),
        },
        "Selects a limit or request of a container and the unit to expose it in.",
    ),
    CORE + "ConfigMapKeySelector": Struct(
        {
            "name": Field("string", "Name of the ConfigMap in the pod's namespace."),
            "key": Field("string", "The key whose value is used."),
            "optional": Field(
                "boolean",
                "If true, a missing ConfigMap or key is not an error (the variable is left "
                "unset); defaults to false.",
            ),
        },
        "Selects one key of a ConfigMap.",
    ),
    CORE + "SecretKeySelector": Struct(
        {
            "name": Field("string", "Name of the Secret in the pod's namespace."),
            "key": Field("string", "The key whose value is used; must be a valid secret key."),
            "optional": Field(
                "boolean",
                "If true, a missing Secret or key is not an error (the variable is left "
                "unset); defaults to false.",
            ),
        },
        "Selects one key of a Secret.",
    ),
    CORE + "EnvFromSource": Struct(
        {
            "prefix": Field(
                "string",
                "Prepended to every key to form the variable name; must be a C identifier.",
            ),
            "configMapRef": Field(_ref("ConfigMapEnvSource"), "The ConfigMap to read."),
            "secretRef": Field(_ref("SecretEnvSource"), "The Secret to read."),
        },
        "Every key of a ConfigMap or Secret as environment variables.",
    ),
    CORE + "ConfigMapEnvSource": Struct(
        {
            "name": Field("string", "Name of the ConfigMap in the pod's namespace."),
            "optional": Field(
                "boolean", "If true, a missing ConfigMap is not an error; defaults to false."
            ),
        },
        "A ConfigMap whose keys become environment variables.",
    ),
    CORE + "SecretEnvSource": Struct(
        {
            "name": Field("string", "Name of the Secret in the pod's namespace."),
            "optional": Field(
                "boolean", "If true, a missing Secret is not an error; defaults to false."
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
            ),
        },
        "Runs a command inside the container.",
    ),
    CORE + "HTTPGetAction": Struct(
        {
            "path": Field("string", "Path requested on the HTTP server."),
            "port": Field(
                Ref(INT_OR_STRING),
                f"Number or name of the container port to connect to. {_PORT_NUMBER}",
            ),
            "host": Field(
                "string",
                "Host to connect to; defaults to the pod IP (set a Host header instead for "
                "virtual hosting).",
            ),
            "scheme": Field("string", "HTTP or HTTPS; defaults to HTTP."),
            "httpHeaders": Field(
                _list_of("HTTPHeader"),
                "Extra request headers; a header may repeat.",
            ),
        },
        "Sends an HTTP GET request; a 2xx or 3xx answer means success.",
    ),
    CORE + "HTTPHeader": Struct(
        {
            "name": Field("string", "Header name; canonicalized, so its case does not matter."),
            "value": Field("string", "Header value."),
        },
        "A header of an HTTP probe or hook request.",
    ),
    CORE + "TCPSocketAction": Struct(
        {
            "port": Field(
                Ref(INT_OR_STRING),
                f"Number or name of the container port to open. {_PORT_NUMBER}",
            ),
            "host": Field("string", "Host to connect to; defaults to the pod IP."),
        },
        "Opens a TCP connection; success if it can be established.",
    ),
    CORE + "GRPCAction": Struct(
        {
            "port": Field("integer", "Port of the gRPC service, 1-65535."),
            "service": Field(
                "string",
                "Service name sent in the gRPC HealthCheckRequest; when empty the server's "
                "overall health is asked.",
            ),
        },
        "Calls the standard gRPC health checking service.",
    ),
    CORE + "SleepAction": Struct(
        {"seconds": Field("integer", "How many seconds to sleep.")},
        "Pauses for a number of seconds.",
    ),
}

_PROBE_ACTION = "One of exec, httpGet, tcpSocket and grpc is set."

_PROBES: dict[str, Definition] = {
    CORE + "Probe": Struct(
        {
            "exec": Field(_ref("ExecAction"), f"Run a command. {_PROBE_ACTION}"),
            "httpGet": Field(_ref("HTTPGetAction"), f"Send an HTTP GET. {_PROBE_ACTION}"),
            "tcpSocket": Field(_ref("TCPSocketAction"), f"Open a TCP connection. {_PROBE_ACTION}"),
            "grpc": Field(_ref("GRPCAction"), f"Call a gRPC health check. {_PROBE_ACTION}"),
            "initialDelaySeconds": Field(
                "integer", "Seconds after the container starts before the first probe; default 0."
            ),
            "timeoutSeconds": Field(
                "integer", "Seconds after which one probe attempt times out; default 1, minimum 1."
            ),
            "periodSeconds": Field(
                "integer", "Seconds between two probe attempts; default 10, minimum 1."
            ),
            "successThreshold": Field(
                "integer",
                "Consecutive successes needed to count as passing again after a failure; "
                "default 1, and must be 1 for liveness and startup probes.",
            ),
            "failureThreshold": Field(
                "integer",
                "Consecutive failures needed to count as failed; default 3, minimum 1.",
            ),
            "terminationGracePeriodSeconds": Field(
                "integer",
                "Grace period used when this probe's failure kills the container, overriding "
                "the pod's terminationGracePeriodSeconds; minimum 1.",
            ),
        },
        "A periodic check of a container's health.",
    ),
    CORE + "LifecycleHandler": Struct(
        {
            "exec": Field(_ref("ExecAction"), "Run a command in the container."),
            "httpGet": Field(_ref("HTTPGetAction"), "Send an HTTP GET request."),
            "tcpSocket": Field(
                _ref("TCPSocketAction"),
                "Deprecated and never run: kept for compatibility, a hook with it fails.",
            ),
            "sleep": Field(_ref("SleepAction"), "Pause for a number of seconds."),
        },
        "The action of a lifecycle hook; exactly one of exec, httpGet and sleep is set.",
    ),
    CORE + "Lifecycle": Struct(
        {
            "postStart": Field(
                _ref("LifecycleHandler"),
                "Run right after the container is created; if it fails the container is killed "
                "and restarted per its restart policy.",
            ),
            "preStop": Field(
                _ref("LifecycleHandler"),
                "Run before the container is stopped by an API request or a management event "
                "(not when it exits by itself); it counts against the termination grace period.",
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
            ),
            "privileged": Field(
                "boolean",
                "Run as privileged, like root on the host; defaults to false. Not on Windows.",
            ),
            "seLinuxOptions": Field(
                _ref("SELinuxOptions"),
                "SELinux context of the container, overriding the pod's; the runtime picks a "
                "random one when neither is set. Not on Windows.",
            ),
            "windowsOptions": Field(
                _ref("WindowsSecurityContextOptions"),
                "Windows-specific settings, overriding the pod's; not on Linux.",
            ),
            "runAsUser": Field(
                "integer",
                "UID of the container's entrypoint process, overriding the pod's; defaults to "
                "the image's user. Not on Windows.",
            ),
            "runAsGroup": Field(
                "integer",
                "GID of the container's entrypoint process, overriding the pod's; defaults to "
                "the runtime's. Not on Windows.",
            ),
            "runAsNonRoot": Field(
                "boolean",
                "If true, the kubelet refuses to start the container when it would run as UID 0.",
            ),
            "readOnlyRootFilesystem": Field(
                "boolean",
                "Mount the container's root filesystem read-only; defaults to false. Not on "
                "Windows.",
            ),
            "allowPrivilegeEscalation": Field(
                "boolean",
                "Whether a process may gain more privileges than its parent (no_new_privs); "
                "always true when privileged or with CAP_SYS_ADMIN. Not on Windows.",
            ),
            "procMount": Field(
                "string",
                "Default (the runtime's masked and read-only /proc paths) or Unmasked; needs "
                "the ProcMountType feature. Not on Windows.",
            ),
            "seccompProfile": Field(
                _ref("SeccompProfile"),
                "Seccomp profile of the container, overriding the pod's. Not on Windows.",
            ),
            "appArmorProfile": Field(
                _ref("AppArmorProfile"),
                "AppArmor profile of the container, overriding the pod's. Not on Windows.",
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
            ),
            "windowsOptions": Field(
                _ref("WindowsSecurityContextOptions"),
                "Windows-specific settings of every container unless a container sets its own. "
                "Not on Linux.",
            ),
            "runAsUser": Field(
                "integer",
                "UID of every container's entrypoint unless a container sets its own; defaults "
                "to the image's user. Not on Windows.",
            ),
            "runAsGroup": Field(
                "integer",
                "GID of every container's entrypoint unless a container sets its own. Not on "
                "Windows.",
            ),
            "runAsNonRoot": Field(
                "boolean",
                "If true, the kubelet refuses to start a container that would run as UID 0.",
            ),
            "supplementalGroups": Field(
                atomic("integer"),
                "Extra groups of the first process of every container, besides its primary "
                "GID and fsGroup. Not on Windows.",
            ),
            "supplementalGroupsPolicy": Field(
                "string",
                "Merge (default: also keep the groups the image's /etc/group gives the user) or "
                "Strict (only the groups set here); alpha, needs SupplementalGroupsPolicy. Not "
                "on Windows.",
            ),
            "fsGroup": Field(
                "integer",
                "A group that owns the pod's volumes where the volume type allows it: files get "
                "this GID, the setgid bit and group read-write. Not on Windows.",
            ),
            "sysctls": Field(
                _list_of("Sysctl"),
                "Namespaced kernel parameters set for the pod; unsupported ones may keep the "
                "pod from starting. Not on Windows.",
            ),
            "fsGroupChangePolicy": Field(
                "string",
                "When ownership and permissions of volumes are changed to match fsGroup: Always "
                "(default) or OnRootMismatch. Not on Windows.",
            ),
            "seccompProfile": Field(
                _ref("SeccompProfile"), "Seccomp profile of every container. Not on Windows."
            ),
            "appArmorProfile": Field(
                _ref("AppArmorProfile"), "AppArmor profile of every container. Not on Windows."
            ),
            "seLinuxChangePolicy": Field(
                "string",
                "How volumes get the pod's SELinux label: Recursive relabels every file, "
                "MountOption mounts eligible volumes with -o context. Alpha in 1.32.",
            ),
        },
        "Security settings of the whole pod and defaults for its containers.",
    ),
    CORE + "Capabilities": Struct(
        {
            "add": Field(_STRINGS, "Capabilities to add, such as NET_ADMIN."),
            "drop": Field(_STRINGS, "Capabilities to drop, such as ALL."),
        },
        "POSIX capabilities added to and dropped from a container.",
    ),
    CORE + "SELinuxOptions": Struct(
        {
            "user": Field("string", "SELinux user label."),
            "role": Field("string", "SELinux role label."),
            "type": Field("string", "SELinux type label."),
            "level": Field("string", "SELinux level label."),
        },
        "SELinux labels applied to a container.",
    ),
    CORE + "SeccompProfile": Struct(
        {
            "type": Field(
                "string",
                "RuntimeDefault (the runtime's profile), Unconfined (no filtering) or Localhost "
                "(a profile file on the node).",
            ),
            "localhostProfile": Field(
                "string",
                "Path of the profile file, relative to the kubelet's seccomp directory; set if "
                "and only if type is Localhost.",
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
            ),
            "localhostProfile": Field(
                "string",
                "Name of the profile loaded on the node; set if and only if type is Localhost.",
            ),
        },
        "An AppArmor profile.",
    ),
    CORE + "WindowsSecurityContextOptions": Struct(
        {
            "gmsaCredentialSpecName": Field("string", "Name of the GMSA credential spec to use."),
            "gmsaCredentialSpec": Field(
                "string",
                "Contents of that credential spec, filled in by the GMSA admission webhook.",
            ),
            "runAsUserName": Field(
                "string",
                "Windows user name of the entrypoint process; defaults to the image's user.",
            ),
            "hostProcess": Field(
                "boolean",
                "Run as a HostProcess container; all containers of the pod must agree, and "
                "hostNetwork must be true.",
            ),
        },
        "Windows-specific security settings.",
    ),
    CORE + "Sysctl": Struct(
        {
            "name": Field("string", "Name of the kernel parameter, such as net.core.somaxconn."),
            "value": Field("string", "Value to set."),
        },
        "One kernel parameter set for the pod.",
    ),
}

_RESOURCES: dict[str, Definition] = {
    CORE + "ResourceRequirements": Struct(
        {
            "limits": Field(
                QUANTITY_MAP, "Maximum amount of each resource (cpu, memory, ...) allowed."
            ),
            "requests": Field(
                QUANTITY_MAP,
                "Amount of each resource reserved for scheduling; defaults to the limits when "
                "only those are given, and cannot exceed them.",
            ),
            "claims": Field(
                Array(_ref("ResourceClaim"), list_type="map", map_keys=("name",)),
                "Names of the pod's resourceClaims this container uses; immutable, needs the "
                "DynamicResourceAllocation feature.",
            ),
        },
        "Compute resources requested and allowed.",
    ),
    CORE + "ResourceClaim": Struct(
        {
            "name": Field("string", "Name of an entry of the pod's spec.resourceClaims."),
            "request": Field(
                "string",
                "A request of that claim to use; when empty everything the claim allocated is "
                "made available.",
            ),
        },
        "A container's use of one of the pod's resource claims.",
    ),
    CORE + "ContainerResizePolicy": Struct(
        {
            "resourceName": Field("string", "The resource this policy applies to: cpu or memory."),
            "restartPolicy": Field(
                "string",
                "NotRequired (default: resize in place if possible) or RestartContainer "
                "(restart the container to apply the new value).",
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
            ),
            "hostPort": Field(
                "integer",
                "Port number exposed on the node, 1-65535; must equal containerPort with "
                "hostNetwork. Most containers leave it unset.",
            ),
            "containerPort": Field("integer", "Port number on the pod's IP, 1-65535."),
            "protocol": Field("string", "TCP, UDP or SCTP; defaults to TCP."),
            "hostIP": Field("string", "Node IP the hostPort is bound to."),
        },
        "A network port a container exposes.",
    ),
    CORE + "VolumeMount": Struct(
        {
            "name": Field("string", "Name of the pod volume to mount."),
            "readOnly": Field("boolean", "Mount read-only; defaults to false."),
            "recursiveReadOnly": Field(
                "string",
                "With readOnly: Disabled (default), IfPossible or Enabled to make submounts "
                "read-only too; needs mountPropagation None.",
            ),
            "mountPath": Field(
                "string", "Path inside the container to mount it at; must not contain ':'."
            ),
            "subPath": Field(
                "string", "Path inside the volume to mount instead of its root; defaults to ''."
            ),
            "mountPropagation": Field(
                "string",
                "How mounts propagate between host and container: None (default), "
                "HostToContainer or Bidirectional.",
            ),
            "subPathExpr": Field(
                "string",
                "Like subPath, with $(VAR) references to the container's environment expanded; "
                "exclusive with subPath.",
            ),
        },
        "A volume mounted into a container's filesystem.",
    ),
    CORE + "VolumeDevice": Struct(
        {
            "name": Field("string", "Name of a persistentVolumeClaim volume of the pod."),
            "devicePath": Field("string", "Path inside the container the block device appears at."),
        },
        "A raw block volume mapped into a container.",
    ),
}

_CONTAINER_PORTS = keyed(
    CORE + "ContainerPort", "containerPort", MERGE, "containerPort", "protocol"
)

_CONTAINER_FIELDS: dict[str, Member] = {
    "name": Field(
        "string", "Name of the container, a DNS label unique within the pod; cannot be updated."
    ),
    "image": Field(
        "string",
        "Container image to run; optional in templates so that controllers can fill it in.",
    ),
    "command": Field(
        _STRINGS,
        "Entrypoint, run without a shell; the image's ENTRYPOINT when unset. $(VAR) references "
        "are expanded from the container's environment.",
    ),
    "args": Field(
        _STRINGS,
        "Arguments to the entrypoint; the image's CMD when unset. $(VAR) references are "
        "expanded from the container's environment.",
    ),
    "workingDir": Field(
        "string", "Working directory; the runtime's default (often the image's) when unset."
    ),
    "ports": Field(
        _CONTAINER_PORTS,
        "Ports the container exposes. Informational: a port listening on 0.0.0.0 is reachable "
        "whether listed or not.",
    ),
    "envFrom": Field(
        _list_of("EnvFromSource"),
        "ConfigMaps and Secrets whose keys become environment variables; a later source wins "
        "on a duplicate key.",
    ),
    "env": Field(
        keyed(CORE + "EnvVar", "name"),
        "Environment variables; they take precedence over envFrom.",
    ),
    "resources": Field(
        _ref("ResourceRequirements"), "Compute resources the container requests and may use."
    ),
    "resizePolicy": Field(
        _list_of("ContainerResizePolicy"),
        "Per resource, whether an in-place resize restarts the container.",
    ),
    "restartPolicy": Field(
        "string",
        "Only for init containers, and only Always: the init container becomes a sidecar that "
        "keeps running (and restarting) alongside the regular containers.",
    ),
    "volumeMounts": Field(
        keyed(CORE + "VolumeMount", "mountPath"), "Pod volumes mounted into the container."
    ),
    "volumeDevices": Field(
        keyed(CORE + "VolumeDevice", "devicePath"),
        "Raw block volumes mapped into the container.",
    ),
    "livenessProbe": Field(
        _ref("Probe"), "Checks the container is alive; it is restarted when this fails."
    ),
    "readinessProbe": Field(
        _ref("Probe"),
        "Checks the container can serve; the pod is removed from service endpoints while this "
        "fails.",
    ),
    "startupProbe": Field(
        _ref("Probe"),
        "Checks the container has started; the other probes wait for it, and its failure "
        "restarts the container.",
    ),
    "lifecycle": Field(
        _ref("Lifecycle"), "Hooks run after the container starts and before it stops."
    ),
    "terminationMessagePath": Field(
        "string",
        "File whose contents become the container's termination message (at most 4096 bytes); "
        "defaults to /dev/termination-log.",
    ),
    "terminationMessagePolicy": Field(
        "string",
        "File (default) reads the message from terminationMessagePath; FallbackToLogsOnError "
        "uses the end of the log when that file is empty and the container failed.",
    ),
    "imagePullPolicy": Field(
        "string",
        "Always, Never or IfNotPresent; defaults to Always for a :latest (or untagged) image and "
        "IfNotPresent otherwise.",
    ),
    "securityContext": Field(
        _ref("SecurityContext"), "Security settings, overriding the pod's securityContext."
    ),
    "stdin": Field(
        "boolean", "Allocate a stdin buffer; reads see end of file otherwise. Defaults to false."
    ),
    "stdinOnce": Field(
        "boolean",
        "Close stdin after the first attached client disconnects; defaults to false.",
    ),
    "tty": Field("boolean", "Allocate a TTY; needs stdin. Defaults to false."),
}

_NOT_FOR_EPHEMERAL = "Not allowed for ephemeral containers."

_CONTAINERS: dict[str, Definition] = {
    CORE + "Container": Struct(
        _CONTAINER_FIELDS,
        "A container run in a pod.",
    ),
    CORE + "EphemeralContainer": Struct(
        {
            **_CONTAINER_FIELDS,
            "name": Field(
                "string", "Name of the container, unique among all the pod's containers."
            ),
            "ports": Field(_CONTAINER_PORTS, _NOT_FOR_EPHEMERAL),
            "resources": Field(
                _ref("ResourceRequirements"),
                f"{_NOT_FOR_EPHEMERAL} They use the resources the pod already has.",
            ),
            "restartPolicy": Field("string", _NOT_FOR_EPHEMERAL),
            "livenessProbe": Field(_ref("Probe"), _NOT_FOR_EPHEMERAL),
            "readinessProbe": Field(_ref("Probe"), _NOT_FOR_EPHEMERAL),
            "startupProbe": Field(_ref("Probe"), _NOT_FOR_EPHEMERAL),
            "lifecycle": Field(_ref("Lifecycle"), _NOT_FOR_EPHEMERAL),
            "targetContainerName": Field(
                "string",
                "A container of the pod whose namespaces (IPC, PID, ...) this one joins; the "
                "pod's own namespaces when unset.",
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
            "nodeAffinity": Field(_ref("NodeAffinity"), "Rules on the labels of the node."),
            "podAffinity": Field(
                _ref("PodAffinity"),
                "Rules to run near other pods (same node, zone, ... as pods matching a selector).",
            ),
            "podAntiAffinity": Field(
                _ref("PodAntiAffinity"),
                "Rules to run away from other pods (not in the same node, zone, ... as pods "
                "matching a selector).",
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
            ),
            "preferredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("PreferredSchedulingTerm"),
                "Terms nodes are scored by: a node gets the weight of every term it matches and "
                "the highest sum is preferred.",
            ),
        },
        "Node affinity rules of a pod.",
    ),
    CORE + "NodeSelector": Struct(
        {
            "nodeSelectorTerms": Field(
                _list_of("NodeSelectorTerm"),
                "The terms, ORed: a node matching any one of them is selected. Required.",
            ),
        },
        "A selection of nodes by label and field requirements.",
    ),
    CORE + "NodeSelectorTerm": Struct(
        {
            "matchExpressions": Field(
                _list_of("NodeSelectorRequirement"), "Requirements on the node's labels."
            ),
            "matchFields": Field(
                _list_of("NodeSelectorRequirement"),
                "Requirements on the node's fields (metadata.name).",
            ),
        },
        "Requirements that are ANDed; a null or empty term matches no node.",
    ),
    CORE + "NodeSelectorRequirement": Struct(
        {
            "key": Field("string", "The label or field the requirement is about."),
            "operator": Field("string", "In, NotIn, Exists, DoesNotExist, Gt or Lt."),
            "values": Field(
                _STRINGS,
                "Values to compare with: non-empty for In and NotIn, empty for Exists and "
                "DoesNotExist, a single integer for Gt and Lt.",
            ),
        },
        "A requirement relating a key to a set of values by an operator.",
    ),
    CORE + "PreferredSchedulingTerm": Struct(
        {
            "weight": Field("integer", "Weight added to a node matching the term, 1-100."),
            "preference": Field(_ref("NodeSelectorTerm"), "The term nodes are matched against."),
        },
        "A node selector term with a weight; an empty term matches every node with weight 0.",
    ),
    CORE + "PodAffinity": Struct(
        {
            "requiredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("PodAffinityTerm"),
                f"Terms that must all hold for a node to be chosen. {_IGNORED_DURING_EXECUTION}",
            ),
            "preferredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("WeightedPodAffinityTerm"),
                "Terms nodes are scored by: a node gets the weight of every term it satisfies "
                "and the highest sum is preferred.",
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
            ),
            "preferredDuringSchedulingIgnoredDuringExecution": Field(
                _list_of("WeightedPodAffinityTerm"),
                "Terms nodes are scored by: a node gets the weight of every term it keeps the "
                "pod away from, and the highest sum is preferred.",
            ),
        },
        "Rules to keep a pod away from other pods.",
    ),
    CORE + "PodAffinityTerm": Struct(
        {
            "labelSelector": Field(
                LABEL_SELECTOR, "The pods this term is about; null matches no pod."
            ),
            "namespaces": Field(
                _STRINGS,
                "Namespaces to look for those pods in, added to namespaceSelector's; the pod's "
                "own namespace when both are empty.",
            ),
            "topologyKey": Field(
                "string",
                "Node label defining the domain (kubernetes.io/hostname, "
                "topology.kubernetes.io/zone, ...) in which pods count as co-located. Required.",
            ),
            "namespaceSelector": Field(
                LABEL_SELECTOR,
                "Namespaces to look for those pods in, by label, added to namespaces; {} "
                "selects every namespace.",
            ),
            "matchLabelKeys": Field(
                _STRINGS,
                "Label keys whose values, taken from the incoming pod, are added to "
                "labelSelector as `key in (value)`.",
            ),
            "mismatchLabelKeys": Field(
                _STRINGS,
                "Label keys whose values, taken from the incoming pod, are added to "
                "labelSelector as `key notin (value)`.",
            ),
        },
        "A set of pods, and the topology domain in which this pod must (or must not) run "
        "alongside them.",
    ),
    CORE + "WeightedPodAffinityTerm": Struct(
        {
            "weight": Field("integer", "Weight of the term, 1-100."),
            "podAffinityTerm": Field(_ref("PodAffinityTerm"), "The term. Required."),
        },
        "A pod affinity term with a weight.",
    ),
    CORE + "Toleration": Struct(
        {
            "key": Field(
                "string",
                "Taint key tolerated; empty matches every key (and then operator must be Exists).",
            ),
            "operator": Field(
                "string",
                "Equal (the taint's value must equal value) or Exists (any value); defaults to "
                "Equal.",
            ),
            "value": Field("string", "Taint value tolerated; empty with Exists."),
            "effect": Field(
                "string",
                "Taint effect tolerated: NoSchedule, PreferNoSchedule or NoExecute; empty "
                "matches every effect.",
            ),
            "tolerationSeconds": Field(
                "integer",
                "For NoExecute: seconds the pod stays bound after the taint appears; forever "
                "when unset, evicted at once when zero or negative.",
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
            ),
            "topologyKey": Field(
                "string",
                "Node label whose values are the domains pods are spread over, such as "
                "topology.kubernetes.io/zone.",
            ),
            "whenUnsatisfiable": Field(
                "string",
                "DoNotSchedule (keep the pod pending) or ScheduleAnyway (only prefer the least "
                "skewed domains).",
            ),
            "labelSelector": Field(LABEL_SELECTOR, "The pods counted in each domain."),
            "minDomains": Field(
                "integer",
                "Minimum number of eligible domains: with fewer the global minimum is taken as "
                "0. Needs DoNotSchedule; 1 when unset.",
            ),
            "nodeAffinityPolicy": Field(
                "string",
                "Honor (default: count only nodes matching the pod's node affinity and "
                "nodeSelector) or Ignore (count every node).",
            ),
            "nodeTaintsPolicy": Field(
                "string",
                "Honor (count only nodes whose taints the pod tolerates) or Ignore (default: "
                "count every node).",
            ),
            "matchLabelKeys": Field(
                _STRINGS,
                "Label keys whose values, taken from the incoming pod, are ANDed with "
                "labelSelector.",
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
    ),
    "initContainers": Field(
        keyed(CORE + "Container", "name"),
        "Containers run one after the other, each to completion, before the regular "
        "containers start; a failure is handled per restartPolicy. Cannot be updated.",
    ),
    "containers": Field(
        keyed(CORE + "Container", "name"),
        "The pod's containers; at least one. Containers cannot be added or removed.",
    ),
    "ephemeralContainers": Field(
        keyed(CORE + "EphemeralContainer", "name"),
        "Debugging containers added to the running pod through its ephemeralcontainers "
        "subresource; cannot be set on create or by updating the pod.",
    ),
    "restartPolicy": Field(
        "string", "Always, OnFailure or Never, for every container; defaults to Always."
    ),
    "terminationGracePeriodSeconds": Field(
        "integer",
        "Seconds between the termination signal and the kill signal when the pod is deleted; "
        "0 kills at once. Defaults to 30.",
    ),
    "activeDeadlineSeconds": Field(
        "integer",
        "Seconds the pod may be active, from its start time, before it is failed and its "
        "containers killed; a positive integer.",
    ),
    "dnsPolicy": Field(
        "string",
        "ClusterFirst (default), ClusterFirstWithHostNet, Default (the node's resolver) or "
        "None (only dnsConfig).",
    ),
    "nodeSelector": Field(
        STRING_MAP, "Labels a node must have for the pod to be scheduled onto it."
    ),
    "serviceAccountName": Field("string", "Service account the pod runs as."),
    "serviceAccount": Field("string", "Deprecated alias of serviceAccountName."),
    "automountServiceAccountToken": Field(
        "boolean", "Whether the service account's API token is mounted into the containers."
    ),
    "nodeName": Field(
        "string",
        "The node the pod is bound to; set by the scheduler (or directly, which skips it), after "
        "which that node's kubelet runs the pod.",
    ),
    "hostNetwork": Field(
        "boolean",
        "Use the node's network namespace; ports in use must then be declared. Defaults to false.",
    ),
    "hostPID": Field("boolean", "Use the node's PID namespace; defaults to false."),
    "hostIPC": Field("boolean", "Use the node's IPC namespace; defaults to false."),
    "shareProcessNamespace": Field(
        "boolean",
        "One PID namespace for all containers, so they see and signal each other's processes; "
        "not with hostPID. Defaults to false.",
    ),
    "securityContext": Field(
        _ref("PodSecurityContext"), "Pod-level security settings and container defaults."
    ),
    "imagePullSecrets": Field(
        keyed(CORE + "LocalObjectReference", "name"),
        "Secrets in the pod's namespace used to pull the containers' images.",
    ),
    "hostname": Field("string", "The pod's hostname; a system-defined value when unset."),
    "subdomain": Field(
        "string",
        "Makes the pod's FQDN <hostname>.<subdomain>.<namespace>.svc.<cluster domain>; no "
        "domain when unset.",
    ),
    "affinity": Field(_ref("Affinity"), "Node affinity, pod affinity and anti-affinity rules."),
    "schedulerName": Field(
        "string", "The scheduler that places the pod; defaults to default-scheduler."
    ),
    "tolerations": Field(_list_of("Toleration"), "Node taints the pod tolerates."),
    "hostAliases": Field(keyed(CORE + "HostAlias", "ip"), "Entries added to the pod's /etc/hosts."),
    "priorityClassName": Field(
        "string",
        "PriorityClass giving the pod's priority; system-node-critical and "
        "system-cluster-critical are built in. The default class (or 0) when unset.",
    ),
    "priority": Field(
        "integer",
        "The pod's priority, filled in from priorityClassName at admission; higher is more "
        "important.",
    ),
    "dnsConfig": Field(_ref("PodDNSConfig"), "DNS settings merged into those dnsPolicy generates."),
    "readinessGates": Field(
        _list_of("PodReadinessGate"),
        "Extra pod conditions that must be True for the pod to be ready.",
    ),
    "runtimeClassName": Field(
        "string",
        "RuntimeClass (node.k8s.io) to run the pod with; the default runtime handler when unset.",
    ),
    "enableServiceLinks": Field(
        "boolean",
        "Inject Docker-link style environment variables for the namespace's services; defaults "
        "to true.",
    ),
    "preemptionPolicy": Field(
        "string",
        "PreemptLowerPriority (default) lets the pod evict lower priority pods to fit; Never "
        "does not.",
    ),
    "overhead": Field(
        QUANTITY_MAP,
        "Resources the pod's sandbox uses beyond its containers, set at admission from its "
        "RuntimeClass.",
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
    ),
    "setHostnameAsFQDN": Field(
        "boolean", "Set the pod's FQDN as its hostname (uname -n); defaults to false."
    ),
    "os": Field(
        _ref("PodOS"),
        "The OS the containers need; when set, fields of the other OS are refused.",
    ),
    "hostUsers": Field(
        "boolean",
        "Use the node's user namespace (default true); false gives the pod a user namespace of "
        "its own, so root inside is not root on the node.",
    ),
    "schedulingGates": Field(
        keyed(CORE + "PodSchedulingGate", "name"),
        "While any gate remains the pod is not scheduled; gates can only be removed after "
        "creation.",
    ),
    "resourceClaims": Field(
        keyed(CORE + "PodResourceClaim", "name", _MERGE_RETAIN),
        "ResourceClaims allocated before the pod starts, usable by its containers by name; "
        "immutable, needs the DynamicResourceAllocation feature.",
    ),
    "resources": Field(
        _ref("ResourceRequirements"),
        "Resources of the pod as a whole (cpu, memory, hugepages); alpha in 1.32 "
        "(PodLevelResources).",
    ),
}

_POD_SPEC: dict[str, Definition] = {
    CORE + "PodTemplateSpec": Struct(
        {
            "metadata": Field(OBJECT_META, "Labels, annotations, ... of the pods created."),
            "spec": Field(_ref("PodSpec"), "Specification of the pods created."),
        },
        "The pod a controller creates copies of.",
    ),
    CORE + "PodSpec": Struct(_POD_SPEC_FIELDS, "The desired state of a pod."),
    CORE + "HostAlias": Struct(
        {
            "ip": Field("string", "IP address of the entry."),
            "hostnames": Field(_STRINGS, "Host names of that IP."),
        },
        "An /etc/hosts entry of a pod.",
    ),
    CORE + "PodDNSConfig": Struct(
        {
            "nameservers": Field(
                _STRINGS, "Name server IPs added to those of dnsPolicy; duplicates removed."
            ),
            "searches": Field(
                _STRINGS, "Search domains added to those of dnsPolicy; duplicates removed."
            ),
            "options": Field(
                _list_of("PodDNSConfigOption"),
                "Resolver options merged with those of dnsPolicy; these win.",
            ),
        },
        "DNS settings of a pod, on top of what dnsPolicy generates.",
    ),
    CORE + "PodDNSConfigOption": Struct(
        {
            "name": Field("string", "Option name, such as ndots. Required."),
            "value": Field("string", "Option value, if it takes one."),
        },
        "A resolver option.",
    ),
    CORE + "PodReadinessGate": Struct(
        {
            "conditionType": Field(
                "string", "Type of a pod condition that must be True for the pod to be ready."
            ),
        },
        "A pod condition the pod's readiness waits for.",
    ),
    CORE + "PodSchedulingGate": Struct(
        {"name": Field("string", "Name of the gate, unique in the pod.")},
        "A gate that holds the pod back from scheduling until removed.",
    ),
    CORE + "PodResourceClaim": Struct(
        {
            "name": Field("string", "Name of the claim inside the pod, a DNS label."),
            "resourceClaimName": Field(
                "string",
                "An existing ResourceClaim in the pod's namespace; exactly one of this and "
                "resourceClaimTemplateName is set.",
            ),
            "resourceClaimTemplateName": Field(
                "string",
                "A ResourceClaimTemplate from which a claim owned by the pod is created (its "
                "name is recorded in status.resourceClaimStatuses).",
            ),
        },
        "A ResourceClaim the pod uses, by name or created from a template.",
    ),
    CORE + "PodOS": Struct(
        {"name": Field("string", "linux or windows.")},
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

_VOLUME_SOURCES: dict[str, tuple[str, str]] = {
    # field -> (definition, description)
    "hostPath": (
        "HostPathVolumeSource",
        "A file or directory of the node, exposed as is; for system agents, not for ordinary "
        "workloads.",
    ),
    "emptyDir": ("EmptyDirVolumeSource", "An empty directory that lives as long as the pod."),
    "gcePersistentDisk": (
        "GCEPersistentDiskVolumeSource",
        f"{_IN_TREE} a GCE persistent disk attached to the node.",
    ),
    "awsElasticBlockStore": (
        "AWSElasticBlockStoreVolumeSource",
        f"{_IN_TREE} an AWS EBS disk attached to the node.",
    ),
    "gitRepo": (
        "GitRepoVolumeSource",
        "Deprecated: a git repository cloned into the volume; clone from an init container "
        "into an emptyDir instead.",
    ),
    "secret": ("SecretVolumeSource", "A Secret's keys as files."),
    "nfs": ("NFSVolumeSource", "An NFS export mounted for the pod's lifetime."),
    "iscsi": ("ISCSIVolumeSource", "An iSCSI disk attached to the node."),
    "glusterfs": ("GlusterfsVolumeSource", f"{_IN_TREE} a Glusterfs mount."),
    "persistentVolumeClaim": (
        "PersistentVolumeClaimVolumeSource",
        "The volume bound to a PersistentVolumeClaim of the pod's namespace.",
    ),
    "rbd": ("RBDVolumeSource", f"{_IN_TREE} a Ceph RADOS block device."),
    "flexVolume": (
        "FlexVolumeSource",
        "Deprecated: a volume provisioned and attached by an exec-based driver.",
    ),
    "cinder": ("CinderVolumeSource", f"{_IN_TREE} an OpenStack Cinder volume."),
    "cephfs": ("CephFSVolumeSource", f"{_IN_TREE} a CephFS mount."),
    "flocker": ("FlockerVolumeSource", f"{_IN_TREE} a Flocker dataset."),
    "downwardAPI": ("DownwardAPIVolumeSource", "Fields of the pod and its containers as files."),
    "fc": ("FCVolumeSource", "A Fibre Channel disk attached to the node."),
    "azureFile": ("AzureFileVolumeSource", f"{_IN_TREE} an Azure File share."),
    "configMap": ("ConfigMapVolumeSource", "A ConfigMap's keys as files."),
    "vsphereVolume": (
        "VsphereVirtualDiskVolumeSource",
        f"{_IN_TREE} a vSphere virtual disk.",
    ),
    "quobyte": ("QuobyteVolumeSource", f"{_IN_TREE} a Quobyte volume."),
    "azureDisk": ("AzureDiskVolumeSource", f"{_IN_TREE} an Azure data disk."),
    "photonPersistentDisk": (
        "PhotonPersistentDiskVolumeSource",
        f"{_IN_TREE} a Photon Controller persistent disk.",
    ),
    "projected": (
        "ProjectedVolumeSource",
        "Secrets, ConfigMaps, downward API fields and service account tokens in one directory.",
    ),
    "portworxVolume": ("PortworxVolumeSource", f"{_IN_TREE} a Portworx volume."),
    "scaleIO": ("ScaleIOVolumeSource", f"{_IN_TREE} a ScaleIO volume."),
    "storageos": ("StorageOSVolumeSource", f"{_IN_TREE} a StorageOS volume."),
    "csi": (
        "CSIVolumeSource",
        "An ephemeral volume provided by a CSI driver that supports inline volumes.",
    ),
    "ephemeral": (
        "EphemeralVolumeSource",
        "A PersistentVolumeClaim created for the pod from a template and deleted with it.",
    ),
    "image": (
        "ImageVolumeSource",
        "An OCI image or artifact mounted read-only and non-executable; alpha (ImageVolume).",
    ),
}

_VOLUME: dict[str, Member] = {
    "name": Field("string", "Name of the volume, a DNS label unique in the pod."),
    **{
        field: Field(_ref(definition), f"{description} At most one source is set.")
        for field, (definition, description) in _VOLUME_SOURCES.items()
    },
}

_LOCAL_VOLUMES: dict[str, Definition] = {
    CORE + "Volume": Struct(
        _VOLUME,
        "A named volume of a pod and its source; with no source it is an emptyDir.",
    ),
    CORE + "KeyToPath": Struct(
        {
            "key": Field("string", "The key to project."),
            "path": Field(
                "string", "Relative path of the file; must not contain or start with '..'."
            ),
            "mode": Field(
                "integer",
                "Permission bits of the file (octal 0000-0777, decimal 0-511); the volume's "
                "defaultMode when unset.",
            ),
        },
        "Maps a key to a file path in a volume.",
    ),
    CORE + "HostPathVolumeSource": Struct(
        {
            "path": Field("string", "Path on the node; a symlink is followed."),
            "type": Field(
                "string",
                "What must be at the path: '' (no check, default), DirectoryOrCreate, Directory, "
                "FileOrCreate, File, Socket, CharDevice or BlockDevice.",
            ),
        },
        "A path of the node.",
    ),
    CORE + "EmptyDirVolumeSource": Struct(
        {
            "medium": Field(
                "string", "Storage backing the directory: '' (the node's disk, default) or Memory."
            ),
            "sizeLimit": Field(
                Ref(QUANTITY),
                "Most local storage (or memory) the directory may use; unlimited when unset.",
            ),
        },
        "An empty directory for the pod's lifetime.",
    ),
    CORE + "SecretVolumeSource": Struct(
        {
            "secretName": Field("string", "Name of the Secret in the pod's namespace."),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key, named after itself, when unset. A "
                "listed missing key is an error unless optional.",
            ),
            "defaultMode": Field("integer", _DEFAULT_MODE),
            "optional": Field(
                "boolean", "If true, a missing Secret or key is not an error; defaults to false."
            ),
        },
        "A Secret presented as files.",
    ),
    CORE + "ConfigMapVolumeSource": Struct(
        {
            "name": Field("string", "Name of the ConfigMap in the pod's namespace."),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key, named after itself, when unset. A "
                "listed missing key is an error unless optional.",
            ),
            "defaultMode": Field("integer", _DEFAULT_MODE),
            "optional": Field(
                "boolean",
                "If true, a missing ConfigMap or key is not an error; defaults to false.",
            ),
        },
        "A ConfigMap presented as files.",
    ),
    CORE + "PersistentVolumeClaimVolumeSource": Struct(
        {
            "claimName": Field("string", "Name of the claim in the pod's namespace."),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "Mounts the volume bound to a PersistentVolumeClaim.",
    ),
    CORE + "DownwardAPIVolumeSource": Struct(
        {
            "items": Field(_list_of("DownwardAPIVolumeFile"), "The files to create."),
            "defaultMode": Field("integer", _DEFAULT_MODE),
        },
        "Fields of the pod and its containers as files.",
    ),
    CORE + "DownwardAPIVolumeFile": Struct(
        {
            "path": Field(
                "string",
                "Relative path of the file; must not be absolute, contain '..' or start with '..'.",
            ),
            "fieldRef": Field(
                _ref("ObjectFieldSelector"),
                "A field of the pod: metadata name, namespace, uid, labels or annotations.",
            ),
            "resourceFieldRef": Field(
                _ref("ResourceFieldSelector"),
                "A container limit or request (limits.cpu, requests.memory, ...).",
            ),
            "mode": Field(
                "integer",
                "Permission bits of the file (octal 0000-0777, decimal 0-511); the volume's "
                "defaultMode when unset.",
            ),
        },
        "One file of a downward API volume; exactly one of fieldRef and resourceFieldRef.",
    ),
    CORE + "ProjectedVolumeSource": Struct(
        {
            "sources": Field(_list_of("VolumeProjection"), "What to project, one source each."),
            "defaultMode": Field("integer", _DEFAULT_MODE),
        },
        "Several sources projected into one directory.",
    ),
    CORE + "VolumeProjection": Struct(
        {
            "secret": Field(_ref("SecretProjection"), "Keys of a Secret."),
            "downwardAPI": Field(_ref("DownwardAPIProjection"), "Fields of the pod."),
            "configMap": Field(_ref("ConfigMapProjection"), "Keys of a ConfigMap."),
            "serviceAccountToken": Field(
                _ref("ServiceAccountTokenProjection"), "A token of the pod's service account."
            ),
            "clusterTrustBundle": Field(
                _ref("ClusterTrustBundleProjection"),
                "Certificates of ClusterTrustBundles, kept up to date; alpha "
                "(ClusterTrustBundleProjection).",
            ),
        },
        "One source of a projected volume; exactly one field is set.",
    ),
    CORE + "SecretProjection": Struct(
        {
            "name": Field("string", "Name of the Secret in the pod's namespace."),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key when unset.",
            ),
            "optional": Field(
                "boolean", "If true, a missing Secret or key is not an error; defaults to false."
            ),
        },
        "A Secret's keys in a projected volume.",
    ),
    CORE + "ConfigMapProjection": Struct(
        {
            "name": Field("string", "Name of the ConfigMap in the pod's namespace."),
            "items": Field(
                _list_of("KeyToPath"),
                "Keys to project and their paths; every key when unset.",
            ),
            "optional": Field(
                "boolean",
                "If true, a missing ConfigMap or key is not an error; defaults to false.",
            ),
        },
        "A ConfigMap's keys in a projected volume.",
    ),
    CORE + "DownwardAPIProjection": Struct(
        {"items": Field(_list_of("DownwardAPIVolumeFile"), "The files to create.")},
        "Fields of the pod in a projected volume.",
    ),
    CORE + "ServiceAccountTokenProjection": Struct(
        {
            "audience": Field(
                "string",
                "Audience the token is issued for; defaults to the API server's identifier.",
            ),
            "expirationSeconds": Field(
                "integer",
                "Requested lifetime of the token, at least 600; defaults to 3600. The kubelet "
                "renews it after 80% of that or 24 hours.",
            ),
            "path": Field("string", "Relative path of the token file."),
        },
        "A service account token in a projected volume.",
    ),
    CORE + "ClusterTrustBundleProjection": Struct(
        {
            "name": Field("string", "One ClusterTrustBundle by name; exclusive with signerName."),
            "signerName": Field(
                "string",
                "Every ClusterTrustBundle of this signer, merged and deduplicated; exclusive "
                "with name.",
            ),
            "labelSelector": Field(
                LABEL_SELECTOR,
                "With signerName, only the bundles matching it; null matches none, {} all.",
            ),
            "optional": Field(
                "boolean",
                "If true, the pod starts even when no bundle is found; defaults to false.",
            ),
            "path": Field("string", "Relative path of the PEM file."),
        },
        "ClusterTrustBundle certificates in a projected volume.",
    ),
    CORE + "EphemeralVolumeSource": Struct(
        {
            "volumeClaimTemplate": Field(
                _ref("PersistentVolumeClaimTemplate"),
                "The claim to create, named <pod>-<volume> and owned by the pod. Required.",
            ),
        },
        "A volume from a PersistentVolumeClaim created for the pod and deleted with it.",
    ),
    CORE + "PersistentVolumeClaimTemplate": Struct(
        {
            "metadata": Field(
                OBJECT_META, "Labels and annotations copied into the claim; nothing else allowed."
            ),
            "spec": Field(
                Ref(CORE + "PersistentVolumeClaimSpec"),
                "Specification of the claim, copied unchanged into it. Required.",
            ),
        },
        "A PersistentVolumeClaim to create for an ephemeral volume.",
    ),
    CORE + "CSIVolumeSource": Struct(
        {
            "driver": Field("string", "Name of the CSI driver, as registered in the cluster."),
            "readOnly": Field("boolean", "Mount read-only; defaults to false."),
            "fsType": Field("string", "Filesystem to mount; the driver chooses when unset."),
            "volumeAttributes": Field(STRING_MAP, "Driver-specific properties."),
            "nodePublishSecretRef": Field(
                _ref("LocalObjectReference"),
                "Secret passed to the driver's NodePublishVolume and NodeUnpublishVolume calls.",
            ),
        },
        "An inline volume of a CSI driver.",
    ),
    CORE + "ImageVolumeSource": Struct(
        {
            "reference": Field(
                "string",
                "Image or artifact reference, resolved like a container image (same pull secrets).",
            ),
            "pullPolicy": Field(
                "string",
                "Always, Never or IfNotPresent; defaults to Always for :latest and IfNotPresent "
                "otherwise.",
            ),
        },
        "An OCI image or artifact as a read-only volume.",
    ),
}

_NETWORK_VOLUMES: dict[str, Definition] = {
    CORE + "NFSVolumeSource": Struct(
        {
            "server": Field("string", "Host name or IP of the NFS server."),
            "path": Field("string", "Path exported by the server."),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "An NFS export.",
    ),
    CORE + "ISCSIVolumeSource": Struct(
        {
            "targetPortal": Field(
                "string", "Target portal: an IP, or ip:port when not the default 860 or 3260."
            ),
            "iqn": Field("string", "iSCSI qualified name of the target."),
            "lun": Field("integer", "Target LUN number."),
            "iscsiInterface": Field(
                "string", "iSCSI interface (transport) to use; defaults to 'default' (tcp)."
            ),
            "fsType": Field("string", _FS_TYPE),
            "readOnly": Field("boolean", _READ_ONLY),
            "portals": Field(_STRINGS, "More target portals (ip or ip:port), for multipath."),
            "chapAuthDiscovery": Field("boolean", "Use CHAP authentication for discovery."),
            "chapAuthSession": Field("boolean", "Use CHAP authentication for the session."),
            "secretRef": Field(_ref("LocalObjectReference"), "Secret with the CHAP credentials."),
            "initiatorName": Field(
                "string",
                "Custom initiator name; with iscsiInterface a new interface "
                "<portal>:<volume> is created.",
            ),
        },
        "An iSCSI disk; mounted read-write by one pod at a time.",
    ),
    CORE + "FCVolumeSource": Struct(
        {
            "targetWWNs": Field(_STRINGS, "World wide names of the targets."),
            "lun": Field("integer", "Target LUN number."),
            "fsType": Field("string", _FS_TYPE),
            "readOnly": Field("boolean", _READ_ONLY),
            "wwids": Field(
                _STRINGS, "World wide identifiers of the volume; instead of targetWWNs and lun."
            ),
        },
        "A Fibre Channel disk; mounted read-write by one pod at a time.",
    ),
    CORE + "GlusterfsVolumeSource": Struct(
        {
            "endpoints": Field("string", "Endpoints object listing the Glusterfs servers."),
            "path": Field("string", "Glusterfs volume path."),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "A Glusterfs volume.",
    ),
    CORE + "RBDVolumeSource": Struct(
        {
            "monitors": Field(_STRINGS, "Ceph monitor addresses."),
            "image": Field("string", "RADOS image name."),
            "fsType": Field("string", _FS_TYPE),
            "pool": Field("string", "RADOS pool; defaults to rbd."),
            "user": Field("string", "RADOS user; defaults to admin."),
            "keyring": Field("string", "Path of the keyring; defaults to /etc/ceph/keyring."),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the user's key; overrides keyring."
            ),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "A Ceph RADOS block device.",
    ),
    CORE + "CephFSVolumeSource": Struct(
        {
            "monitors": Field(_STRINGS, "Ceph monitor addresses. Required."),
            "path": Field("string", "Root of the mount inside the Ceph tree; defaults to /."),
            "user": Field("string", "RADOS user; defaults to admin."),
            "secretFile": Field(
                "string", "Path of the user's keyring; defaults to /etc/ceph/user.secret."
            ),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the user's key; overrides secretFile."
            ),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "A CephFS mount.",
    ),
    CORE + "CinderVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the Cinder volume."),
            "fsType": Field("string", _FS_TYPE),
            "readOnly": Field("boolean", _READ_ONLY),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the OpenStack connection parameters."
            ),
        },
        "An OpenStack Cinder volume.",
    ),
    CORE + "FlexVolumeSource": Struct(
        {
            "driver": Field("string", "Name of the driver."),
            "fsType": Field(
                "string", "Filesystem to mount; the driver script's default when unset."
            ),
            "secretRef": Field(
                _ref("LocalObjectReference"),
                "Secret whose keys are all passed to the driver scripts.",
            ),
            "readOnly": Field("boolean", _READ_ONLY),
            "options": Field(STRING_MAP, "Extra options passed to the driver."),
        },
        "A volume handled by an exec-based (FlexVolume) driver.",
    ),
    CORE + "FlockerVolumeSource": Struct(
        {
            "datasetName": Field(
                "string", "Name of the dataset (deprecated); exclusive with datasetUUID."
            ),
            "datasetUUID": Field("string", "UUID of the dataset; exclusive with datasetName."),
        },
        "A Flocker dataset.",
    ),
    CORE + "AzureFileVolumeSource": Struct(
        {
            "secretName": Field("string", "Secret with the storage account name and key."),
            "shareName": Field("string", "Name of the file share."),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "An Azure File share.",
    ),
    CORE + "AzureDiskVolumeSource": Struct(
        {
            "diskName": Field("string", "Name of the data disk in the blob storage."),
            "diskURI": Field("string", "URI of the data disk in the blob storage."),
            "cachingMode": Field(
                "string", "Host caching: None, ReadOnly or ReadWrite; defaults to ReadWrite."
            ),
            "fsType": Field("string", _FS_TYPE),
            "readOnly": Field("boolean", _READ_ONLY),
            "kind": Field(
                "string",
                "Shared (several blob disks per storage account, default), Dedicated (one) or "
                "Managed (an Azure managed disk).",
            ),
        },
        "An Azure data disk.",
    ),
    CORE + "VsphereVirtualDiskVolumeSource": Struct(
        {
            "volumePath": Field("string", "Path of the vmdk."),
            "fsType": Field("string", _FS_TYPE),
            "storagePolicyName": Field(
                "string", "Storage Policy Based Management (SPBM) profile name."
            ),
            "storagePolicyID": Field("string", "ID of that SPBM profile."),
        },
        "A vSphere virtual disk.",
    ),
    CORE + "QuobyteVolumeSource": Struct(
        {
            "registry": Field(
                "string", "Quobyte registry services, host:port pairs separated by commas."
            ),
            "volume": Field("string", "Name of an existing Quobyte volume."),
            "readOnly": Field("boolean", _READ_ONLY),
            "user": Field("string", "User volume access is mapped to; the service account's."),
            "group": Field("string", "Group volume access is mapped to; none by default."),
            "tenant": Field(
                "string", "Tenant owning the volume; set by the plugin when provisioned."
            ),
        },
        "A Quobyte volume.",
    ),
    CORE + "PhotonPersistentDiskVolumeSource": Struct(
        {
            "pdID": Field("string", "ID of the Photon Controller persistent disk."),
            "fsType": Field("string", _FS_TYPE),
        },
        "A Photon Controller persistent disk.",
    ),
    CORE + "PortworxVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the Portworx volume."),
            "fsType": Field("string", _FS_TYPE),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "A Portworx volume.",
    ),
    CORE + "ScaleIOVolumeSource": Struct(
        {
            "gateway": Field("string", "Host address of the ScaleIO API gateway."),
            "system": Field("string", "Name of the ScaleIO storage system."),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the ScaleIO user's credentials."
            ),
            "sslEnabled": Field("boolean", "Talk to the gateway over SSL; defaults to false."),
            "protectionDomain": Field("string", "ScaleIO protection domain of the storage."),
            "storagePool": Field("string", "ScaleIO storage pool of that protection domain."),
            "storageMode": Field(
                "string", "ThickProvisioned or ThinProvisioned; defaults to ThinProvisioned."
            ),
            "volumeName": Field("string", "Name of an existing volume in the ScaleIO system."),
            "fsType": Field("string", "Filesystem to mount, such as ext4; defaults to xfs."),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "A ScaleIO volume.",
    ),
    CORE + "StorageOSVolumeSource": Struct(
        {
            "volumeName": Field("string", "Name of the StorageOS volume, unique per namespace."),
            "volumeNamespace": Field(
                "string",
                "StorageOS namespace of the volume; the pod's namespace when unset, 'default' "
                "to not use namespaces.",
            ),
            "fsType": Field("string", _FS_TYPE),
            "readOnly": Field("boolean", _READ_ONLY),
            "secretRef": Field(
                _ref("LocalObjectReference"), "Secret with the StorageOS API credentials."
            ),
        },
        "A StorageOS volume.",
    ),
    CORE + "GCEPersistentDiskVolumeSource": Struct(
        {
            "pdName": Field("string", "Name of the persistent disk in GCE."),
            "fsType": Field("string", _FS_TYPE),
            "partition": Field("integer", _PARTITION),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "A GCE persistent disk.",
    ),
    CORE + "AWSElasticBlockStoreVolumeSource": Struct(
        {
            "volumeID": Field("string", "ID of the EBS volume."),
            "fsType": Field("string", _FS_TYPE),
            "partition": Field("integer", _PARTITION),
            "readOnly": Field("boolean", _READ_ONLY),
        },
        "An AWS EBS volume.",
    ),
    CORE + "GitRepoVolumeSource": Struct(
        {
            "repository": Field("string", "URL of the repository."),
            "revision": Field("string", "Commit hash to check out."),
            "directory": Field(
                "string",
                "Directory to clone into, without '..'; '.' clones into the volume's root, "
                "default is a subdirectory named after the repository.",
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
            ),
            "conditions": Field(
                keyed(CORE + "PodCondition", "type"),
                "The pod's conditions: PodScheduled, Initialized, ContainersReady, Ready, ...",
            ),
            "message": Field("string", "Human-readable details of why the pod is in this state."),
            "reason": Field("string", "Brief CamelCase reason for this state, such as Evicted."),
            "nominatedNodeName": Field(
                "string",
                "Node on which this pod preempted others and expects to run once they are gone; "
                "not a promise, the pod may still land elsewhere.",
            ),
            "hostIP": Field(
                "string", "Primary IP of the node the pod is assigned to; empty until it starts."
            ),
            "hostIPs": Field(
                Array(_ref("HostIP"), "ip", MERGE, "atomic"),
                "IPs of the node, the first equal to hostIP; empty until the pod starts.",
            ),
            "podIP": Field(
                "string", "Primary IP of the pod, routable within the cluster; empty until set."
            ),
            "podIPs": Field(
                keyed(CORE + "PodIP", "ip"),
                "IPs of the pod, the first equal to podIP; at most one IPv4 and one IPv6.",
            ),
            "startTime": Field(
                TIME, "When the kubelet acknowledged the pod, before pulling its images."
            ),
            "initContainerStatuses": Field(
                _list_of("ContainerStatus"), "One status per init container, in spec order."
            ),
            "containerStatuses": Field(
                _list_of("ContainerStatus"), "One status per container of the spec."
            ),
            "qosClass": Field(
                "string",
                "Quality of service class from the containers' requests and limits: "
                "Guaranteed, Burstable or BestEffort.",
            ),
            "ephemeralContainerStatuses": Field(
                _list_of("ContainerStatus"), "Statuses of the ephemeral containers that ran."
            ),
            "resize": Field(
                "string",
                "State of a pending in-place resize: Proposed, InProgress, Deferred or "
                "Infeasible; empty when none is pending.",
            ),
            "resourceClaimStatuses": Field(
                keyed(CORE + "PodResourceClaimStatus", "name", _MERGE_RETAIN),
                "Names of the ResourceClaims generated for the pod's resourceClaims.",
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
            ),
            "status": Field("string", "True, False or Unknown."),
            "lastProbeTime": Field(TIME, "When the condition was last checked."),
            "lastTransitionTime": Field(TIME, "When the status last changed."),
            "reason": Field("string", "One-word CamelCase reason for the last transition."),
            "message": Field("string", "Human-readable details of the last transition."),
        },
        "One aspect of a pod's state.",
    ),
    CORE + "PodIP": Struct(
        {"ip": Field("string", "An IP address (IPv4 or IPv6) of the pod.")},
        "An IP address of a pod.",
    ),
    CORE + "HostIP": Struct(
        {"ip": Field("string", "An IP address (IPv4 or IPv6) of the node.")},
        "An IP address of the pod's node.",
    ),
    CORE + "PodResourceClaimStatus": Struct(
        {
            "name": Field("string", "Name of the entry in spec.resourceClaims."),
            "resourceClaimName": Field(
                "string",
                "Name of the ResourceClaim generated for it; unset when none was needed.",
            ),
        },
        "The ResourceClaim generated for one of the pod's resource claims.",
    ),
    CORE + "ContainerStatus": Struct(
        {
            "name": Field("string", "Name of the container."),
            "state": Field(_ref("ContainerState"), "Current state of the container."),
            "lastState": Field(
                _ref("ContainerState"),
                "How the previous run of the container ended; empty if it never restarted.",
            ),
            "ready": Field(
                "boolean",
                "Whether the container passes its readiness probe (true once started when it "
                "has none).",
            ),
            "restartCount": Field(
                "integer", "How many times the container was restarted; may reset to 0."
            ),
            "image": Field("string", "Image the container runs, as resolved by the runtime."),
            "imageID": Field("string", "ID of that image."),
            "containerID": Field(
                "string", "ID of the container as <runtime>://<id>, such as docker://1a2b."
            ),
            "started": Field(
                "boolean",
                "Whether the container has run its postStart hook and passed its startup "
                "probe; false again after a restart.",
            ),
            "allocatedResources": Field(
                QUANTITY_MAP,
                "Resources the node has allocated to the container (its admitted requests).",
            ),
            "resources": Field(
                _ref("ResourceRequirements"),
                "Requests and limits actually applied to the running container.",
            ),
            "volumeMounts": Field(
                keyed(CORE + "VolumeMountStatus", "mountPath"), "Status of the volume mounts."
            ),
            "user": Field(_ref("ContainerUser"), "Identity of the container's first process."),
            "allocatedResourcesStatus": Field(
                keyed(CORE + "ResourceStatus", "name"),
                "Health of the devices and claims allocated to the container.",
            ),
        },
        "The observed state of one container.",
    ),
    CORE + "ContainerState": Struct(
        {
            "waiting": Field(_ref("ContainerStateWaiting"), "Set while the container waits."),
            "running": Field(_ref("ContainerStateRunning"), "Set while the container runs."),
            "terminated": Field(
                _ref("ContainerStateTerminated"), "Set once the container has ended."
            ),
        },
        "The state of a container; at most one field is set, waiting when none is.",
    ),
    CORE + "ContainerStateWaiting": Struct(
        {
            "reason": Field(
                "string", "Brief reason it is not running yet, such as ContainerCreating."
            ),
            "message": Field("string", "Details of why it is not running yet."),
        },
        "A container not yet running.",
    ),
    CORE + "ContainerStateRunning": Struct(
        {"startedAt": Field(TIME, "When the container was last (re)started.")},
        "A running container.",
    ),
    CORE + "ContainerStateTerminated": Struct(
        {
            "exitCode": Field("integer", "Exit status of the container's process."),
            "signal": Field("integer", "Signal that ended the process, if any."),
            "reason": Field("string", "Brief reason it ended, such as Completed or OOMKilled."),
            "message": Field("string", "Details of how it ended (the termination message)."),
            "startedAt": Field(TIME, "When this run started."),
            "finishedAt": Field(TIME, "When this run ended."),
            "containerID": Field("string", "ID of the container as <runtime>://<id>."),
        },
        "A container that has ended.",
    ),
    CORE + "VolumeMountStatus": Struct(
        {
            "name": Field("string", "Name of the volume mount."),
            "mountPath": Field("string", "Path of the mount in the container."),
            "readOnly": Field("boolean", "Whether the mount is read-only."),
            "recursiveReadOnly": Field(
                "string",
                "Disabled or Enabled, as actually applied (IfPossible resolves to one of them).",
            ),
        },
        "The observed state of a volume mount.",
    ),
    CORE + "ContainerUser": Struct(
        {
            "linux": Field(
                _ref("LinuxContainerUser"),
                "The Linux identity; the process may change it if privileged enough.",
            ),
        },
        "The identity of a container's first process.",
    ),
    CORE + "LinuxContainerUser": Struct(
        {
            "uid": Field("integer", "Primary UID of the first process."),
            "gid": Field("integer", "Primary GID of the first process."),
            "supplementalGroups": Field(
                atomic("integer"), "Supplemental groups of the first process."
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
            ),
            "resources": Field(
                Array(_ref("ResourceHealth"), list_type="map", map_keys=("resourceID",)),
                "Health of each allocated device, by unique resource ID.",
            ),
        },
        "The health of the devices behind one resource of a container.",
    ),
    CORE + "ResourceHealth": Struct(
        {
            "resourceID": Field("string", "Unique ID of the device on the node."),
            "health": Field("string", "Healthy, Unhealthy or Unknown."),
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
