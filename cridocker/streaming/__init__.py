"""The shim's streaming server: exec, attach and port-forward sessions behind CRI URLs.

`server` serves the URLs that `cridocker.streams` hands out; `remotecommand` runs exec
and attach on Docker's hijacked connections (`hijack`); `portforward` (the WebSocket
channel protocol) and `spdyforward` (SPDY inside WebSocket) forward to ports inside the
pod's network namespace (`netns`, `forward`). `requests` holds the single-use tokens.
"""
