"""Streams between a client and a container: exec, attach and port-forward.

Kubernetes' wire formats, written here once for every side that speaks them:

- `channels`: the WebSocket channel protocol (`v5.channel.k8s.io`, `v4.channel.k8s.io`):
  one byte of channel before each message; exec/attach use 0 stdin, 1 stdout, 2 stderr,
  3 error (a `Status`), 4 resize and v5's CLOSE (255); port-forward uses a data channel
  2i and an error channel 2i+1 per port.
- `spdy`: a SPDY/3.1 framer (sans-IO) for kubectl's port-forward, which speaks SPDY inside
  WebSocket binary messages (`SPDY/3.1+portforward.k8s.io`, KEP-4006).
- `relay`: the message relay the API server and the kubelet put between a client's
  WebSocket and the next hop's, following the CRI's model (the runtime's streaming server
  speaks the protocol; the kubelet and the API server only proxy it).
"""
