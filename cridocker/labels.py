"""How Docker objects map back to CRI objects: the labels every object carries, and names.

The shim keeps no state of its own: a sandbox is a pause container and a CRI container is
a Docker container, and everything List*/Status answer is rebuilt from Docker's view of
them plus these labels. So a restarted shim sees exactly what the old one created.

Label keys (all under `io.minik8s.cri.`):

| key | on | value |
|---|---|---|
| `type` | both | `sandbox` or `container` |
| `instance` | both | the shim's `--instance`; a shim lists only its own objects |
| `pod-name`, `pod-namespace`, `pod-uid` | both | the pod's metadata |
| `sandbox-attempt` | sandbox | PodSandboxMetadata.attempt |
| `sandbox-id` | container | the sandbox (pause container) ID |
| `container-name`, `container-attempt` | container | ContainerMetadata |
| `image` | container | the image as the kubelet named it (Docker keeps only the ID) |
| `log-directory` | sandbox | PodSandboxConfig.log_directory |
| `log-path` | container | the absolute path of the container's CRI log file |
| `namespaces` | sandbox | network,pid,ipc NamespaceMode names, e.g. `POD,CONTAINER,POD` |
| `runtime-handler` | sandbox | RunPodSandboxRequest.runtime_handler |
| `label.<key>` | both | one CRI label |
| `annotation.<key>` | both | one CRI annotation |

CRI labels are prefixed too, because a Docker container also carries its image's labels:
only the prefixed ones are the CRI object's own. (`docker ps --filter
label=io.minik8s.cri.label.app=web` finds a pod's containers by a CRI label.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PREFIX = "io.minik8s.cri."
TYPE = PREFIX + "type"
INSTANCE = PREFIX + "instance"
POD_NAME = PREFIX + "pod-name"
POD_NAMESPACE = PREFIX + "pod-namespace"
POD_UID = PREFIX + "pod-uid"
SANDBOX_ATTEMPT = PREFIX + "sandbox-attempt"
SANDBOX_ID = PREFIX + "sandbox-id"
CONTAINER_NAME = PREFIX + "container-name"
CONTAINER_ATTEMPT = PREFIX + "container-attempt"
IMAGE = PREFIX + "image"
LOG_DIRECTORY = PREFIX + "log-directory"
LOG_PATH = PREFIX + "log-path"
NAMESPACES = PREFIX + "namespaces"
RUNTIME_HANDLER = PREFIX + "runtime-handler"
LABEL_PREFIX = PREFIX + "label."
ANNOTATION_PREFIX = PREFIX + "annotation."

SANDBOX = "sandbox"
CONTAINER = "container"

_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_.-]")


def encode(
    internal: Mapping[str, str], labels: Mapping[str, str], annotations: Mapping[str, str]
) -> dict[str, str]:
    """The Docker labels for an object: our keys, the CRI labels, the CRI annotations."""
    out = {LABEL_PREFIX + key: value for key, value in labels.items()}
    out.update({ANNOTATION_PREFIX + key: value for key, value in annotations.items()})
    out.update(internal)
    return out


def user_labels(docker_labels: Mapping[str, str] | None) -> dict[str, str]:
    """The CRI labels back from Docker labels."""
    n = len(LABEL_PREFIX)
    return {k[n:]: v for k, v in (docker_labels or {}).items() if k.startswith(LABEL_PREFIX)}


def annotations_of(docker_labels: Mapping[str, str] | None) -> dict[str, str]:
    """The CRI annotations back from Docker labels."""
    n = len(ANNOTATION_PREFIX)
    return {k[n:]: v for k, v in (docker_labels or {}).items() if k.startswith(ANNOTATION_PREFIX)}


def attempt(docker_labels: Mapping[str, str] | None, key: str) -> int:
    """An attempt number label; 0 when absent or malformed."""
    try:
        return max(0, int((docker_labels or {}).get(key, "0")))
    except ValueError:
        return 0


def selector_filters(selector: Mapping[str, str]) -> list[str]:
    """A CRI label selector (exact matches, all required) as Docker `label` filters."""
    return [f"{LABEL_PREFIX}{key}={value}" for key, value in sorted(selector.items())]


def _safe(part: str) -> str:
    return _NAME_UNSAFE.sub("-", part)


def sandbox_name(name: str, namespace: str, uid: str, attempt: int) -> str:
    """The Docker name of a sandbox, in Kubernetes' `k8s_POD_…` convention."""
    return "_".join(["k8s", "POD", _safe(name), _safe(namespace), _safe(uid), str(attempt)])


def container_name(container: str, pod: str, namespace: str, uid: str, attempt: int) -> str:
    """The Docker name of an app container: `k8s_<container>_<pod>_<ns>_<uid>_<attempt>`."""
    parts = [_safe(container), _safe(pod), _safe(namespace), _safe(uid), str(attempt)]
    return "_".join(["k8s", *parts])
