"""Protobuf bodies: decode and encode time of a Pod and a Deployment, against decoding the
same objects' JSON (`minik8s.api.decode`, what a JSON body costs) in the same run.

    python bench/protobuf_codec.py [--rounds 2000]

Objects are the ones a running cluster stores (a two-container pod with probes, volumes,
tolerations and status; a deployment of that template), plus a ConfigMap of 1 MiB and a
64 KiB pod-dense list for the per-KiB figures behind `apiserver/http.py`'s INLINE_PROTOBUF.
While some kinds' numbers are still being declared (tests/protofacts.PROTO_PENDING), the
codec reads them from the real kubectl's descriptors, as the tests do: the same messages.
Pure CPU in this process (measured as CPU time, best of three); every loop is bounded.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s.api import protobuf  # noqa: E402
from minik8s.api.decode import decode_json  # noqa: E402
from minik8s.api.resources import BUILTIN_CATALOG  # noqa: E402

_TIME = "2024-05-01T12:00:00Z"
_CONTAINER = {
    "name": "web",
    "image": "minik8s/httpd:latest",
    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
    "env": [
        {"name": "MODE", "value": "production"},
        {
            "name": "POD",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
        },
    ],
    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}},
    "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}],
    "livenessProbe": {
        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    },
    "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5, "timeoutSeconds": 1},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": "IfNotPresent",
}
_SIDECAR = {
    "name": "sidecar",
    "image": "minik8s/busybox:latest",
    "command": ["sh", "-c", "sleep 3600"],
    "resources": {},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": "IfNotPresent",
}
_SPEC = {
    "volumes": [{"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}}],
    "containers": [_CONTAINER, _SIDECAR],
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "serviceAccountName": "default",
    "nodeName": "node1",
    "securityContext": {},
    "schedulerName": "default-scheduler",
    "tolerations": [
        {
            "key": f"node.kubernetes.io/{k}",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        }
        for k in ("not-ready", "unreachable")
    ],
    "priority": 0,
    "enableServiceLinks": True,
}
POD: dict[str, Any] = {
    "kind": "Pod",
    "apiVersion": "v1",
    "metadata": {
        "name": "web-7d4b9c8f6d-x2x9k",
        "generateName": "web-7d4b9c8f6d-",
        "namespace": "default",
        "uid": "0b7f3c1e-4a59-4c2e-9f51-3c0f2d1b7a11",
        "resourceVersion": "123456",
        "creationTimestamp": _TIME,
        "labels": {"app": "web", "pod-template-hash": "7d4b9c8f6d"},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web-7d4b9c8f6d",
                "uid": "4d3c2b1a-0000-4000-8000-000000000001",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    },
    "spec": _SPEC,
    "status": {
        "phase": "Running",
        "conditions": [
            {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": _TIME}
            for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
        ],
        "hostIP": "10.0.0.11",
        "podIP": "10.244.1.7",
        "podIPs": [{"ip": "10.244.1.7"}],
        "startTime": _TIME,
        "containerStatuses": [
            {
                "name": c["name"],
                "state": {"running": {"startedAt": _TIME}},
                "lastState": {},
                "ready": True,
                "restartCount": 1,
                "image": c["image"],
                "imageID": "docker://sha256:0123456789abcdef",
                "containerID": "docker://fedcba9876543210",
                "started": True,
            }
            for c in (_CONTAINER, _SIDECAR)
        ],
        "qosClass": "Burstable",
    },
}
DEPLOYMENT: dict[str, Any] = {
    "kind": "Deployment",
    "apiVersion": "apps/v1",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "1b7f3c1e-4a59-4c2e-9f51-3c0f2d1b7a11",
        "resourceVersion": "123400",
        "generation": 3,
        "creationTimestamp": _TIME,
        "labels": {"app": "web"},
        "annotations": {"deployment.kubernetes.io/revision": "2"},
    },
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
            "spec": {k: v for k, v in _SPEC.items() if k != "nodeName"},
        },
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
        },
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
    },
    "status": {
        "observedGeneration": 3,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "lastUpdateTime": _TIME,
                "lastTransitionTime": _TIME,
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
            }
        ],
    },
}
BIG_CONFIG_MAP = {
    "kind": "ConfigMap",
    "apiVersion": "v1",
    "metadata": {"name": "big", "namespace": "default"},
    "data": {f"key-{i}": "x" * 1000 for i in range(1024)},
}


def _codec() -> tuple[protobuf.Codec, str]:
    pending = [i.kind for i in BUILTIN_CATALOG if protobuf.missing(i)]
    if not pending:
        return protobuf.Codec(BUILTIN_CATALOG), "declared numbers"
    from tests.protofacts import annotate, kubectl_binary

    binary = kubectl_binary()
    if binary is None:
        sys.exit(f"{', '.join(pending)} not numbered yet and no kubectl to read them from")
    return protobuf.Codec(annotate(BUILTIN_CATALOG, binary)), "kubectl's descriptors"


def _per_call(fn: Any, rounds: int) -> float:
    """CPU seconds of this process per call, the best of three runs (CPU time, so that
    other work on the machine does not count)."""
    return min(timeit.repeat(fn, number=rounds, repeat=3, timer=time.process_time)) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    codec, source = _codec()
    print(f"numbers from {source}")
    pods = {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "1"},
        "items": [copy.deepcopy(POD) for _ in range(40)],
    }
    print(
        f"{'object':<22}{'pb bytes':>9}{'json bytes':>11}{'decode':>11}{'json decode':>13}"
        f"{'ratio':>7}{'encode':>11}"
    )
    for name, obj, rounds in (
        ("Pod", POD, args.rounds),
        ("Deployment", DEPLOYMENT, args.rounds),
        ("PodList (40 pods)", pods, max(args.rounds // 40, 5)),
        ("ConfigMap (1 MiB)", BIG_CONFIG_MAP, max(args.rounds // 100, 5)),
    ):
        body = codec.encode(obj)
        text = json.dumps(obj).encode()
        decoded = codec.decode(body).obj
        if name == "Pod":
            assert decoded == obj, "the pod does not survive a round trip"
        pb = _per_call(lambda b=body: codec.decode(b), rounds)
        js = _per_call(lambda t=text: decode_json(t), rounds)
        enc = _per_call(lambda o=obj: codec.encode(o), rounds)
        print(
            f"{name:<22}{len(body):>9}{len(text):>11}{pb * 1e6:>9.1f}us{js * 1e6:>11.1f}us"
            f"{pb / js:>7.2f}{enc * 1e6:>9.1f}us   ({pb * 1e6 / (len(body) / 1024):.0f} us/KiB)"
        )


if __name__ == "__main__":
    main()
