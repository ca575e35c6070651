"""The CRI API shared by the kubelet (client) and the runtime shims (servers).

`cri_pb2` (messages) and `cri_pb2_grpc` (stubs and servicers) are generated from
`proto/cri.proto` by `make proto`; never edit them by hand (`make proto-check` fails in CI
when they are stale).
"""
