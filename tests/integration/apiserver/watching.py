"""A watch client for the tests: reads the event stream in a thread, waits on conditions."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import httpx


class WatchStream:
    """Collects the events of one `?watch=true` request; `close()` ends it."""

    def __init__(self, base_url: str, path: str, **params: Any) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ended = threading.Event()
        self.started = threading.Event()
        self.status_code = 0
        self._client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(5, read=None))
        self._params = {"watch": "true", **{k: str(v) for k, v in params.items()}}
        self._path = path
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self.started.wait(10):
            raise TimeoutError("the watch did not start")

    def _run(self) -> None:
        try:
            with self._client.stream("GET", self._path, params=self._params) as r:
                self.status_code = r.status_code
                self.started.set()
                for line in r.iter_lines():
                    if line.strip():
                        self.events.put(json.loads(line))
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            self.started.set()
            self.ended.set()

    def next(self, timeout: float = 10, skip_bookmarks: bool = True) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no watch event in time")
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                raise TimeoutError("no watch event in time") from None
            if skip_bookmarks and ev["type"] == "BOOKMARK":
                continue
            return ev

    def take(self, n: int, timeout: float = 10) -> list[dict[str, Any]]:
        return [self.next(timeout) for _ in range(n)]

    def close(self) -> None:
        self._client.close()
        self.ended.wait(5)

    def __enter__(self) -> WatchStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
