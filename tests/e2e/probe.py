"""A bounded HTTP load loop, run inside a node's namespace (or on the host) by the e2e tests.

    python probe.py URL --stop-file F [--max-seconds 180] [--max-requests 20000] [--interval 0.05]
    python probe.py URL --once [--timeout 3]


Sends GET requests one after another until the stop file exists, `--max-seconds` pass or
`--max-requests` were sent, whichever comes first, then prints one JSON line: the count of
answered and failed requests, the distinct bodies seen and the first few errors. `--once`
makes one request, prints the body and exits 0, or exits 1 on any failure (a `curl -sf`
that needs nothing installed). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.error
import urllib.request


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--stop-file")
    p.add_argument("--once", action="store_true")
    p.add_argument("--max-seconds", type=float, default=180.0)
    p.add_argument("--max-requests", type=int, default=20000)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--timeout", type=float, default=3.0)
    args = p.parse_args()
    if args.once:
        try:
            with urllib.request.urlopen(args.url, timeout=args.timeout) as r:
                print(r.read().decode(errors="replace").strip())
        except (OSError, urllib.error.URLError):
            raise SystemExit(1) from None
        return
    if not args.stop_file:
        p.error("--stop-file is required without --once")
    ok = failed = 0
    bodies: dict[str, int] = {}
    errors: list[str] = []
    deadline = time.monotonic() + args.max_seconds
    while ok + failed < args.max_requests and time.monotonic() < deadline:
        if os.path.exists(args.stop_file):  # the test is done
            break
        try:
            with urllib.request.urlopen(args.url, timeout=args.timeout) as r:
                body = r.read().decode(errors="replace").strip()
            ok += 1
            bodies[body] = bodies.get(body, 0) + 1
        except (OSError, urllib.error.URLError) as e:
            failed += 1
            if len(errors) < 10:
                errors.append(f"{time.strftime('%H:%M:%S')} {e}")
        time.sleep(args.interval)
    print(json.dumps({"ok": ok, "failed": failed, "bodies": bodies, "errors": errors}))


if __name__ == "__main__":
    main()
