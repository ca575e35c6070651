"""`kubectl drain` gets a one-node cluster of its own: draining cordons the node and
evicts every pod on it, which the workload tests sharing theirs could not survive. The
fixtures are the workload tests' (`tests/integration/workloads/conftest.py`), started
once for this package."""

from tests.integration.workloads.conftest import api, cluster, ns

__all__ = ["api", "cluster", "ns"]
