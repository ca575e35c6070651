"""Liveness, readiness and startup probes: exec, httpGet and tcpSocket.

One asyncio task per (pod uid, container, probe kind) while the container runs, keyed by
the container's id, so a restarted container starts with fresh results. A task waits
initialDelaySeconds, then probes every periodSeconds with timeoutSeconds; a result flips
after successThreshold successes / failureThreshold failures, and a flip wakes the pod's
worker (`on_change(uid)`), which acts on it: a liveness failure kills the container, a
readiness result becomes the container's `ready`. Until a startup probe succeeds the other
two do not run. Probes reach the pod's IP (or the node's for hostNetwork pods).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .cri import CRIError, Runtime

log = logging.getLogger(__name__)

Obj = dict[str, Any]
KINDS = ("startupProbe", "livenessProbe", "readinessProbe")


@dataclass
class _State:
    container_id: str
    task: asyncio.Task[None]
    result: bool
    message: str = ""


def _port(spec: Obj, container: Obj) -> int:
    port = spec.get("port")
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return int(p["containerPort"])
    return int(str(port))


class Prober:
    def __init__(self, runtime: Runtime, on_change: Callable[[str, str], None]) -> None:
        self.runtime = runtime
        self.on_change = on_change  # (uid, message) for events
        self._states: dict[tuple[str, str, str], _State] = {}

    # ---- what the worker asks

    def result(self, uid: str, name: str, kind: str, container_id: str) -> bool | None:
        state = self._states.get((uid, name, kind))
        if state is None or state.container_id != container_id:
            return None
        return state.result

    def message(self, uid: str, name: str, kind: str) -> str:
        state = self._states.get((uid, name, kind))
        return state.message if state else ""

    def sync(self, pod: Obj, running: dict[str, str], pod_ip: str) -> None:
        """Starts probes for the running containers (name → id), stops the others."""
        uid = pod["metadata"]["uid"]
        wanted: set[tuple[str, str, str]] = set()
        for container in (pod.get("spec") or {}).get("containers") or []:
            name = container["name"]
            cid = running.get(name)
            if cid is None:
                continue
            for kind in KINDS:
                spec = container.get(kind)
                if not spec:
                    continue
                key = (uid, name, kind)
                wanted.add(key)
                state = self._states.get(key)
                if state is not None and state.container_id == cid:
                    continue
                if state is not None:
                    state.task.cancel()
                initial = kind == "livenessProbe"  # liveness passes, readiness fails until probed
                task = asyncio.create_task(
                    self._loop(key, cid, spec, container, pod_ip), name=f"probe {key}"
                )
                self._states[key] = _State(cid, task, initial)
        for key in [k for k in self._states if k[0] == uid and k not in wanted]:
            self._states.pop(key).task.cancel()

    def stop_pod(self, uid: str) -> None:
        for key in [k for k in self._states if k[0] == uid]:
            self._states.pop(key).task.cancel()

    async def stop_all(self) -> None:
        tasks = [s.task for s in self._states.values()]
        self._states.clear()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---- the probe loop

    async def _loop(
        self, key: tuple[str, str, str], cid: str, spec: Obj, container: Obj, pod_ip: str
    ) -> None:
        uid, name, kind = key
        period = max(1, int(spec.get("periodSeconds", 10)))
        timeout = max(1, int(spec.get("timeoutSeconds", 1)))
        success_threshold = max(1, int(spec.get("successThreshold", 1)))
        failure_threshold = max(1, int(spec.get("failureThreshold", 3)))
        await asyncio.sleep(int(spec.get("initialDelaySeconds", 0)))
        successes = failures = 0
        while True:
            if kind != "startupProbe" and "startupProbe" in container:
                started = self.result(uid, name, "startupProbe", cid)
                if not started:
                    await asyncio.sleep(period)
                    continue
            ok, message = await self.probe_once(spec, container, cid, pod_ip, timeout)
            state = self._states.get(key)
            if state is None or state.container_id != cid:
                return
            if ok:
                successes, failures = successes + 1, 0
            else:
                successes, failures = 0, failures + 1
            new = state.result
            if ok and successes >= success_threshold:
                new = True
            elif not ok and failures >= failure_threshold:
                new = False
            if not ok:
                state.message = message
            if new != state.result:
                state.result = new
                log.info("probe %s of %s/%s: %s %s", kind, uid, name, new, message)
                self.on_change(uid, "" if new else f"{kind} failed: {message}")
            if kind == "startupProbe" and state.result:
                return  # startup probes stop once they pass
            await asyncio.sleep(period)

    async def probe_once(
        self, spec: Obj, container: Obj, cid: str, pod_ip: str, timeout: int
    ) -> tuple[bool, str]:
        try:
            if "exec" in spec:
                command = [str(c) for c in (spec["exec"] or {}).get("command") or []]
                resp = await self.runtime.exec_sync(cid, command, timeout)
                if resp.exit_code == 0:
                    return True, ""
                out = (resp.stdout + resp.stderr).decode(errors="replace").strip()
                return False, f"exit code {resp.exit_code}: {out[:200]}"
            if "httpGet" in spec:
                get = spec["httpGet"] or {}
                host = get.get("host") or pod_ip or "127.0.0.1"
                scheme = (get.get("scheme") or "HTTP").lower()
                url = f"{scheme}://{host}:{_port(get, container)}{get.get('path') or '/'}"
                headers = {h["name"]: h["value"] for h in get.get("httpHeaders") or []}
                async with httpx.AsyncClient(timeout=timeout, verify=False) as client:
                    r = await client.get(url, headers=headers)
                if 200 <= r.status_code < 400:
                    return True, ""
                return False, f"HTTP probe failed with statuscode: {r.status_code}"
            if "tcpSocket" in spec:
                tcp = spec["tcpSocket"] or {}
                host = tcp.get("host") or pod_ip or "127.0.0.1"
                async with asyncio.timeout(timeout):
                    _, writer = await asyncio.open_connection(host, _port(tcp, container))
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
                return True, ""
            return False, "probe has no handler"
        except CRIError as e:
            return False, e.message
        except TimeoutError:
            return False, f"timeout after {timeout}s"
        except (httpx.HTTPError, OSError, ValueError) as e:
            return False, str(e) or type(e).__name__
