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

from .config import ClientConfig, ConfigError
from .events import EventRecorder
from .informer import Indexer, InformerFactory, SharedInformer, Store, copy_of, key_of, split_key
from .leaderelection import LeaderElectionConfig, LeaderElector
from .rest import AsyncClient, Client, Unreachable
from .watch import Reflector

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
