"""mk-scheduler: assigns pending pods to nodes (queue → filter → score → assume → bind).

Modules: `framework` (extension-point interfaces, Status, the profile runner),
`nodeinfo` (per-node accounting, pure), `cache` (informer-fed NodeInfos with
assume/forget), `queue` (active/backoff/unschedulable), `plugins/` (one module per plugin),
`preemption` (victim selection), `config` (profiles from --config), `scheduler` (the loop,
binding, failure handling), `main` (flags, leader election, the daemon).
"""
