"""mk-dns, the cluster DNS server (Kubernetes' DNS specification for `cluster.local`).

- `records`: the zone: records from Services, Endpoints and Pods, lookups (pure).
- `wire`: query parsing by hand, answers packed with dnslib, error answers.
- `forward`: names outside the zone to the upstream resolvers, with a cache.
- `server`: the UDP/TCP listeners and the answer cache.
- `cluster`: informers that keep the zone current.
- `main`: flags and the daemon (`mk-dns`, `python -m dns`).
"""
