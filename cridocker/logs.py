"""Container output → the CRI log file the kubelet asked for.

Docker keeps each container's output in its own log driver (json-file). The kubelet reads
CRI-format files at ContainerConfig.log_path instead, one line per output line:

    2024-05-01T12:00:00.123456789Z stdout F the line
    2024-05-01T12:00:00.223456789Z stderr P a partial line (no newline yet)

Concurrency model: a copier follows one container: two threads (stdout, stderr), each
reading Docker's log stream (`follow`, with timestamps) on a client of its own, so these
long-lived streams never hold the shared Docker worker pool. A thread ends by itself when
the container stops (Docker closes the stream) or is removed. Both threads append whole
lines to the file under one lock. Nothing blocks the event loop: `follow()` only starts
threads.

Restarts lose nothing and duplicate nothing: a copier first reads the last timestamp of
each stream already in the file, asks Docker for the output since then, and skips entries
at or before it. On start the shim resumes a copier for each of its containers that has a
log path, so output written while the shim was down lands in the file too.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from docker import APIClient

from cridocker.views import parse_time

log = logging.getLogger(__name__)

STREAMS = ("stdout", "stderr")
_TAIL_BYTES = 256 * 1024


def cri_line(timestamp: str, stream: str, text: bytes, partial: bool) -> bytes:
    """One line of a CRI log file."""
    tag = b"P" if partial else b"F"
    return b"%s %s %s %s\n" % (timestamp.encode(), stream.encode(), tag, text)


def split_entry(entry: bytes) -> tuple[str, bytes, bool] | None:
    """(timestamp, text, partial) from one Docker log entry with timestamps; None if bad."""
    stamp, sep, rest = entry.partition(b" ")
    if not sep:
        return None
    partial = not rest.endswith(b"\n")
    return stamp.decode(errors="replace"), rest.removesuffix(b"\n"), partial


def last_timestamps(path: str) -> dict[str, int]:
    """The newest timestamp (ns) of each stream in an existing CRI log file."""
    found: dict[str, int] = {}
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - _TAIL_BYTES))
            tail = f.read()
    except FileNotFoundError:
        return found
    for line in reversed(tail.splitlines()):
        parts = line.split(b" ", 3)
        if len(parts) < 3:
            continue
        stream = parts[1].decode(errors="replace")
        if stream in STREAMS and stream not in found:
            stamp = parse_time(parts[0].decode(errors="replace"))
            if stamp:
                found[stream] = stamp
        if len(found) == len(STREAMS):
            break
    return found


@dataclass
class _Copier:
    container_id: str
    path: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)


class LogCopier:
    """Copies each followed container's output into its CRI log file (see module doc)."""

    def __init__(self, client_factory: Callable[[], APIClient]) -> None:
        self._client_factory = client_factory
        self._copiers: dict[str, _Copier] = {}
        self._lock = threading.Lock()

    def follow(self, container_id: str, path: str) -> None:
        """Starts copying (no-op while a copier of the container still runs)."""
        with self._lock:
            current = self._copiers.get(container_id)
            if current is not None and current.alive():
                return
            copier = _Copier(container_id, path)
            self._copiers[container_id] = copier
            for stream in STREAMS:  # a tty's output is all on stdout; stderr then ends empty
                thread = threading.Thread(
                    target=self._run,
                    args=(copier, stream),
                    name=f"log-{container_id[:12]}-{stream}",
                    daemon=True,
                )
                copier.threads.append(thread)
                thread.start()

    def forget(self, container_id: str) -> None:
        """Drops a removed container (its threads end as Docker closes their streams)."""
        with self._lock:
            self._copiers.pop(container_id, None)

    def following(self) -> list[str]:
        with self._lock:
            return [cid for cid, c in self._copiers.items() if c.alive()]

    def _run(self, copier: _Copier, stream: str) -> None:
        try:
            since_ns = last_timestamps(copier.path).get(stream, 0)
            os.makedirs(os.path.dirname(copier.path) or ".", exist_ok=True)
            client = self._client_factory()
            try:
                # Follow until the container stops, then read once more: Docker can end a
                # follow before the last output of a stopping container is stored.
                for follow in (True, False):
                    entries = client.logs(
                        copier.container_id,
                        stdout=stream == "stdout",
                        stderr=stream == "stderr",
                        stream=True,
                        follow=follow,
                        timestamps=True,
                        # a little before the last entry: float seconds lose nanoseconds
                        since=(since_ns / 1e9 - 1e-6) if since_ns else None,
                    )
                    since_ns = self._copy(copier, stream, entries, since_ns)
            finally:
                client.close()
        except Exception as exc:
            log.warning("log copy of %s (%s) stopped: %s", copier.container_id[:12], stream, exc)

    def _copy(self, copier: _Copier, stream: str, entries: Iterable[bytes], since: int) -> int:
        """Appends the entries newer than `since` (ns); answers the newest one copied."""
        pending = b""
        for chunk in entries:
            pending += chunk
            # A non-tty stream yields one entry per chunk; a tty stream yields raw bytes,
            # so always cut at newlines and keep an unfinished entry for the next chunk.
            *complete, pending = pending.split(b"\n")
            lines = [entry + b"\n" for entry in complete]
            if pending and not chunk.endswith(b"\n") and _looks_whole(chunk, pending):
                lines.append(pending)  # a partial entry Docker sent on its own
                pending = b""
            since = self._write(copier, stream, lines, since)
        if pending:
            since = self._write(copier, stream, [pending], since)
        return since

    def _write(self, copier: _Copier, stream: str, entries: list[bytes], since: int) -> int:
        out = []
        for entry in entries:
            parsed = split_entry(entry)
            if parsed is None:
                continue
            stamp, text, partial = parsed
            nanos = parse_time(stamp)
            if since and nanos <= since:
                continue  # copied already (before a restart, or by the follow)
            since = max(since, nanos)
            out.append(cri_line(stamp, stream, text, partial))
        if out:
            with copier.lock, open(copier.path, "ab") as f:
                f.write(b"".join(out))
        return since


def _looks_whole(chunk: bytes, pending: bytes) -> bool:
    """True when the unfinished text is a whole chunk that starts with a timestamp."""
    return chunk == pending and parse_time(pending.split(b" ", 1)[0].decode(errors="replace")) > 0
