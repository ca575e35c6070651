"""Deployment (apps/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    APPS,
    INT_OR_STRING,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)

DEFINITIONS = {
    APPS + "DeploymentSpec": Struct(
        {
            "replicas": "integer",
            "selector": LABEL_SELECTOR,
            "template": POD_TEMPLATE,
            "strategy": Ref(APPS + "DeploymentStrategy", strategy="retainKeys"),
            "minReadySeconds": "integer",
            "revisionHistoryLimit": "integer",
            "paused": "boolean",
            "progressDeadlineSeconds": "integer",
        }
    ),
    APPS + "DeploymentStrategy": Struct(
        {
            "type": "string",
            "rollingUpdate": Ref(APPS + "RollingUpdateDeployment"),
        }
    ),
    APPS + "RollingUpdateDeployment": Struct(
        {
            "maxUnavailable": Ref(INT_OR_STRING),
            "maxSurge": Ref(INT_OR_STRING),
        }
    ),
    APPS + "DeploymentStatus": Struct(
        {
            "observedGeneration": "integer",
            "replicas": "integer",
            "updatedReplicas": "integer",
            "readyReplicas": "integer",
            "availableReplicas": "integer",
            "unavailableReplicas": "integer",
            "collisionCount": "integer",
            "conditions": merged_by_type(APPS + "DeploymentCondition"),
        }
    ),
    APPS + "DeploymentCondition": condition(("lastUpdateTime", "lastTransitionTime")),
}


class DeploymentStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_deployment(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_deployment(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation.validate_selector_update(new, old, errs)


DEPLOYMENT = ResourceInfo(
    "apps",
    "v1",
    "Deployment",
    "deployments",
    "deployment",
    True,
    ("deploy",),
    ("status", "scale"),
    ("all",),
    schema=KindSchema(
        "Deployment enables declarative updates for Pods and ReplicaSets.",
        {
            "spec": Field(
                Ref(APPS + "DeploymentSpec"),
                "Specification of the desired behavior of the Deployment.",
            ),
            "status": Field(
                Ref(APPS + "DeploymentStatus"),
                "Most recently observed status of the Deployment.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._DEPLOYMENT_COLUMNS), printing._deployment_row),
    strategy=DeploymentStrategy(),
)
