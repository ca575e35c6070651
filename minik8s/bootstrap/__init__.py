"""Joining machines to a cluster: bootstrap tokens, signed discovery, systemd units.

`token` holds the pure pieces kubeadm's bootstrap-token discovery is made of (the token
format, its Secret, the detached JWS over `kube-public/cluster-info`), shared by
`mkctl token|join` and the controller manager's bootstrap signer. `units` renders the
systemd units and environment files of every daemon (the files under `deploy/systemd/`
and the ones `mkctl join` installs on a node).
"""
