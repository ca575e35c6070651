"""What every `mkctl` command handler receives: the parsed flags, a lazily built client,
the namespace to work in, and the streams to write to.

Handlers have the signature `handler(args, ctx) -> int | None` (None means exit code 0).
A failure a user should read is raised as `CtlError` (one line, exit code 1); API errors,
kubeconfig problems and manifest problems are turned into one line by `main`.

The client and the kubeconfig are only touched when a handler asks for them, so
`mkctl config ...` and `mkctl completion ...` work without a reachable server or a
kubeconfig. Single-threaded; nothing here is shared between processes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from minik8s.client.config import ClientConfig
from minik8s.client.rest import Client

__all__ = ["CtlError", "Context", "Handler"]


class CtlError(Exception):
    """A user-facing failure: `main` prints `error: <message>` and exits with `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _config_from_args(args: argparse.Namespace) -> ClientConfig:
    config = ClientConfig.from_flags(
        getattr(args, "server", None),
        getattr(args, "kubeconfig", None),
        getattr(args, "context", None),
        getattr(args, "namespace", None),
        getattr(args, "token", None),
    )
    timeout = getattr(args, "request_timeout", None)
    if timeout:
        config.timeout = timeout
    return config


def _client_from_config(config: ClientConfig) -> Client:
    # A CLI answers at once: one quick retry, not a daemon's patient backoff.
    return Client(config, user_agent="mkctl", retries=1, backoff=0.1, max_backoff=0.5)


@dataclass
class Context:
    """The per-invocation state a handler works with; see the module docstring."""

    args: argparse.Namespace
    stdout: TextIO
    stderr: TextIO
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    config_factory: Callable[[argparse.Namespace], ClientConfig] = _config_from_args
    client_factory: Callable[[ClientConfig], Client] = _client_from_config
    _config: ClientConfig | None = field(default=None, init=False, repr=False)
    _client: Client | None = field(default=None, init=False, repr=False)

    @property
    def config(self) -> ClientConfig:
        """The resolved kubeconfig + flags (raises `ConfigError` on a kubeconfig problem)."""
        if self._config is None:
            self._config = self.config_factory(self.args)
        return self._config

    @property
    def client(self) -> Client:
        """The REST client, built on first use."""
        if self._client is None:
            self._client = self.client_factory(self.config)
        return self._client

    @property
    def namespace(self) -> str:
        """`--namespace`, else the kubeconfig context's namespace, else `default`."""
        flag = getattr(self.args, "namespace", None)
        if flag:
            return str(flag)
        return self.config.namespace or "default"

    @property
    def namespace_given(self) -> bool:
        """Whether the user named a namespace with `-n` (apply checks manifests against it)."""
        return bool(getattr(self.args, "namespace", None))

    def out(self, text: str = "") -> None:
        """One line on stdout."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def err(self, text: str) -> None:
        """One line on stderr."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


Handler = Callable[[argparse.Namespace, Context], "int | None"]
