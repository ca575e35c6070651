"""mk-cri-docker: the CRI shim that runs minik8s pods on Docker (see `cridocker.main`).

Modules, each with one job:
- `main`: flags, the gRPC server's lifecycle; `service`: the RPC handlers;
- `sandboxes`, `containers`, `stats`, `images`, `network`: the operations on Docker;
- `spec` (CRI config → Docker create parameters) and `views` (Docker → CRI messages):
  pure translations; `labels`: how Docker objects map back to pods and containers;
- `backend`: the Docker SDK on a bounded thread pool with deadlines; `errors`: gRPC codes;
- `logs`: container output into CRI log files; `objects`: finding our Docker objects.
"""
