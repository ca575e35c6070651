"""Persistence: a thin asyncio etcd v3 client, the object store and the watch cache."""
