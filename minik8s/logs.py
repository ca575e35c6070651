"""Structured logs to stderr, one `key=value` line per record, shared by every daemon.

`--v` maps onto levels like klog's verbosity: 0 = info, 1+ = debug; warnings and errors
are always shown.
"""

from __future__ import annotations

import logging
import sys
import time


class LogfmtFormatter(logging.Formatter):
    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        msg = record.getMessage().replace('"', '\\"')
        line = (
            f"ts={ts}.{int(record.msecs):03d}Z level={record.levelname.lower()} "
            f'component={self.component} logger={record.name} msg="{msg}"'
        )
        if record.exc_info:
            exc = self.formatException(record.exc_info).replace("\n", "\\n").replace('"', '\\"')
            line += f' error="{exc}"'
        return line


def setup(component: str, verbosity: int = 0) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter(component))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbosity > 0 else logging.INFO)
    # Library chatter only at high verbosity.
    for noisy in ("uvicorn.access", "httpx", "httpcore", "grpc"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity > 3 else logging.WARNING)
