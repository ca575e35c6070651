"""The built-in kinds, one module each, in the order discovery and `resolve()` see them.

A module declares one `ResourceInfo` (`minik8s.api.kind`): names, schema, printer,
selectable fields and strategy. Adding a built-in kind is a new module here and one line
in `BUILTIN`; `minik8s.api.resources.Catalog` serves them (and custom resources) to
everything else.
"""

from __future__ import annotations

from minik8s.api.kind import ResourceInfo
from minik8s.api.schema import Definition

from . import meta
from .apiservice import API_SERVICE
from .clusterrole import CLUSTER_ROLE
from .clusterrolebinding import CLUSTER_ROLE_BINDING
from .componentstatus import COMPONENT_STATUS
from .configmap import CONFIG_MAP
from .controllerrevision import CONTROLLER_REVISION
from .cronjob import CRON_JOB
from .daemonset import DAEMON_SET
from .deployment import DEPLOYMENT
from .endpoints import ENDPOINTS
from .event import EVENT
from .horizontalpodautoscaler import HORIZONTAL_POD_AUTOSCALER
from .job import JOB
from .lease import LEASE
from .metrics import NODE_METRICS, POD_METRICS
from .namespace import NAMESPACE
from .node import NODE
from .persistentvolume import PERSISTENT_VOLUME
from .persistentvolumeclaim import PERSISTENT_VOLUME_CLAIM
from .pod import POD
from .poddisruptionbudget import POD_DISRUPTION_BUDGET
from .priorityclass import PRIORITY_CLASS
from .replicaset import REPLICA_SET
from .replicationcontroller import REPLICATION_CONTROLLER
from .role import ROLE
from .rolebinding import ROLE_BINDING
from .secret import SECRET
from .service import SERVICE
from .serviceaccount import SERVICE_ACCOUNT
from .statefulset import STATEFUL_SET

BUILTIN: tuple[ResourceInfo, ...] = (
    # core/v1
    NAMESPACE,
    NODE,
    POD,
    SERVICE,
    ENDPOINTS,
    CONFIG_MAP,
    SECRET,
    EVENT,
    SERVICE_ACCOUNT,
    PERSISTENT_VOLUME,
    PERSISTENT_VOLUME_CLAIM,
    REPLICATION_CONTROLLER,
    COMPONENT_STATUS,
    # apps/v1
    DEPLOYMENT,
    REPLICA_SET,
    DAEMON_SET,
    STATEFUL_SET,
    CONTROLLER_REVISION,
    # batch/v1
    JOB,
    CRON_JOB,
    # coordination.k8s.io/v1
    LEASE,
    # scheduling.k8s.io/v1
    PRIORITY_CLASS,
    # autoscaling/v2
    HORIZONTAL_POD_AUTOSCALER,
    # policy/v1
    POD_DISRUPTION_BUDGET,
    # rbac.authorization.k8s.io/v1: stored and served, not yet enforced
    ROLE,
    ROLE_BINDING,
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    # apiregistration.k8s.io/v1
    API_SERVICE,
    # metrics.k8s.io/v1beta1
    NODE_METRICS,
    POD_METRICS,
)

# Definitions that belong to no kind (meta/v1, Time, Quantity, Scale, Eviction).
SHARED_DEFINITIONS: dict[str, Definition] = dict(meta.DEFINITIONS)
