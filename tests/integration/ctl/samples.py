"""Manifests the mkctl integration tests apply."""

from __future__ import annotations

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: minik8s/httpd:latest
        env:
        - {name: MODE, value: blue}
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
"""


def configmap(name: str, **data: str) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}"]
    if data:
        lines.append("data:")
        lines += [f"  {k}: {v!r}" for k, v in data.items()]
    return "\n".join(lines) + "\n"
