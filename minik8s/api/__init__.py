"""The object model: kinds, defaulting, validation, selectors, patches and errors.

Objects are plain JSON dicts shaped exactly as Kubernetes shapes them, so manifests written
for Kubernetes load unchanged and unknown fields survive a round trip. This package is pure:
no I/O, no network, safe to use from any thread or event loop.
"""
