"""The client library every minik8s program talks to the API server with.

- `config`: `ClientConfig` from a kubeconfig or flags.
- `rest`: `Client` (blocking) and `AsyncClient` (asyncio): verbs, retries, typed errors.
- `watch`: the `Reflector` (list, then watch forever, relist on 410).
- `informer`: `SharedInformer` / `InformerFactory` and the indexed cache (`Indexer`).
- `leaderelection`: `LeaderElector` on a coordination.k8s.io Lease.
- `events`: `EventRecorder`, core/v1 Events with repeats aggregated.
- `workqueue`, `ratelimit`, `daemon`: controller plumbing (import those modules directly).

Each module's docstring explains its concurrency model.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ClientConfig, ConfigError
    from .events import EventRecorder
    from .informer import (
        Indexer,
        InformerFactory,
        SharedInformer,
        Store,
        copy_of,
        key_of,
        split_key,
    )
    from .leaderelection import LeaderElectionConfig, LeaderElector
    from .rest import AsyncClient, Client, Unreachable
    from .watch import Reflector

# Imported on first use (PEP 562): a CLI that needs only `Client` should not pay for the
# informer, leader election and event machinery at every start.
_HOME = {
    "ClientConfig": "config",
    "ConfigError": "config",
    "EventRecorder": "events",
    "Indexer": "informer",
    "InformerFactory": "informer",
    "SharedInformer": "informer",
    "Store": "informer",
    "copy_of": "informer",
    "key_of": "informer",
    "split_key": "informer",
    "LeaderElectionConfig": "leaderelection",
    "LeaderElector": "leaderelection",
    "AsyncClient": "rest",
    "Client": "rest",
    "Unreachable": "rest",
    "Reflector": "watch",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AsyncClient",
    "Client",
    "ClientConfig",
    "ConfigError",
    "EventRecorder",
    "Indexer",
    "InformerFactory",
    "LeaderElectionConfig",
    "LeaderElector",
    "Reflector",
    "SharedInformer",
    "Store",
    "Unreachable",
    "copy_of",
    "key_of",
    "split_key",
]
