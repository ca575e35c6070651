"""What a streaming URL stands for, and the single-use tokens that name them.

The CRI's Exec, Attach and PortForward calls answer a URL (`/exec/<token>`, ...) instead
of a stream: the kubelet dials it and relays its client. The token is random, used at most
once and forgotten after `TTL`, so a URL that leaked (into a log, say) is worth nothing.
At most `MAX_PENDING` tokens wait at once; more is RESOURCE_EXHAUSTED, as in Kubernetes'
own streaming server. Touched only from the shim's event loop.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from cridocker.errors import CRIError


@dataclass(frozen=True)
class ExecTarget:
    container_id: str  # Docker's full ID
    cmd: tuple[str, ...]
    tty: bool
    stdin: bool
    stdout: bool
    stderr: bool


@dataclass(frozen=True)
class AttachTarget:
    container_id: str
    tty: bool
    stdin: bool
    stdout: bool
    stderr: bool


@dataclass(frozen=True)
class PortForwardTarget:
    sandbox_id: str
    pid: int  # a process in the sandbox's network namespace (its pause process)
    ports: tuple[int, ...]  # the channel protocol's ports; SPDY streams name their own
    name: str  # pod namespace/name, for error texts


Target = ExecTarget | AttachTarget | PortForwardTarget

KINDS: dict[type, str] = {
    ExecTarget: "exec",
    AttachTarget: "attach",
    PortForwardTarget: "portforward",
}


def kind_of(target: Target) -> str:
    return KINDS[type(target)]


class RequestCache:
    TTL = 60.0
    MAX_PENDING = 1000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._pending: OrderedDict[str, tuple[float, Target]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    def insert(self, target: Target) -> str:
        self._expire()
        if len(self._pending) >= self.MAX_PENDING:
            raise CRIError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"{self.MAX_PENDING} streaming requests are waiting already",
            )
        token = secrets.token_urlsafe(12)
        self._pending[token] = (self._clock() + self.TTL, target)
        return token

    def consume(self, token: str) -> Target | None:
        """The target of `token` (then forgotten), or None if unknown or expired."""
        self._expire()
        found = self._pending.pop(token, None)
        return found[1] if found else None

    def _expire(self) -> None:
        now = self._clock()
        while self._pending:
            token, (deadline, _) = next(iter(self._pending.items()))
            if deadline > now:
                return
            del self._pending[token]
