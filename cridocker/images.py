"""The ImageService on Docker: list, status, pull (with registry auth), remove, fs info.

Pulls stream Docker's progress and fail on the first error message in the stream (Docker
answers 200 and reports a failed pull inside the stream). With `--allowed-registries` the
shim never asks Docker to fetch from any other registry (no DNS lookup, no connection): an
image of another registry that is present counts as pulled, a missing one is NOT_FOUND.
Air-gapped nodes and the tests use it, so an `imagePullPolicy: Always` pod (any `:latest`
image) never sends a packet off the machine. A pull runs on one worker
thread for as long as it takes, within the RPC's deadline (see `cridocker.backend`).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from typing import Any

import grpc
from docker import APIClient
from docker.auth import resolve_repository_name
from docker.utils import parse_repository_tag

from cridocker import views
from cridocker.backend import Docker
from cridocker.errors import CRIError, invalid, is_not_found
from minik8s.cri import cri_pb2 as pb

log = logging.getLogger(__name__)

_NOT_FOUND_HINTS = ("not found", "manifest unknown", "does not exist", "pull access denied")
_AUTH_HINTS = ("unauthorized", "authentication required", "no basic auth credentials")
_UNREACHABLE_HINTS = ("connection refused", "no such host", "i/o timeout", "timeout exceeded")


def split_reference(image: str) -> tuple[str, str]:
    """(repository, tag or digest) of an image reference; the tag defaults to `latest`."""
    repository, tag = parse_repository_tag(image)
    return repository, tag or "latest"


def full_reference(image: str) -> str:
    repository, tag = split_reference(image)
    separator = "@" if tag.startswith("sha256:") else ":"
    return f"{repository}{separator}{tag}"


def auth_config(auth: pb.AuthConfig) -> dict[str, str] | None:
    """Docker's X-Registry-Auth fields from a CRI AuthConfig; None when empty."""
    username, password = auth.username, auth.password
    if not username and auth.auth:
        try:
            decoded = base64.b64decode(auth.auth, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise invalid("auth.auth is not base64 of username:password") from None
        username, _, password = decoded.partition(":")
    out = {
        "username": username,
        "password": password,
        "serveraddress": auth.server_address,
        "identitytoken": auth.identity_token,
        "registrytoken": auth.registry_token,
    }
    out = {key: value for key, value in out.items() if value}
    return out or None


def registry_of(image: str) -> str:
    """The registry host of an image reference (`docker.io` when it names none)."""
    repository, _ = split_reference(image)
    try:
        registry, _ = resolve_repository_name(repository)
    except Exception:  # an invalid name: Docker will refuse it on its own
        return ""
    return str(registry)


def registry_allowed(registry: str, allowed: tuple[str, ...]) -> bool:
    """`registry` (host[:port]) is in `allowed`, where a bare host allows every port."""
    host = registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry
    return registry in allowed or host in allowed


def pull_error(image: str, message: str) -> CRIError:
    """The CRIError for a failed pull, chosen from Docker's message."""
    lowered = message.lower()
    code = grpc.StatusCode.UNKNOWN
    if any(hint in lowered for hint in _AUTH_HINTS):
        code = grpc.StatusCode.UNAUTHENTICATED
    elif any(hint in lowered for hint in _NOT_FOUND_HINTS):
        code = grpc.StatusCode.NOT_FOUND
    elif any(hint in lowered for hint in _UNREACHABLE_HINTS):
        code = grpc.StatusCode.UNAVAILABLE
    return CRIError(code, f"pulling image {image!r}: {message}")


class Images:
    """The ImageService calls (see module doc)."""

    def __init__(self, docker: Docker, allowed_registries: tuple[str, ...] = ()) -> None:
        self.docker = docker
        self.allowed_registries = allowed_registries

    async def list(self, flt: pb.ImageFilter) -> list[pb.Image]:
        name = flt.image.image or None

        def run(api: APIClient) -> list[dict[str, Any]]:
            return list(api.images(name=name))

        found = await self.docker.call("list_images", run, "listing images")
        return [views.image(i) for i in found]

    async def inspect(self, image: str) -> dict[str, Any] | None:
        if not image:
            raise invalid("image.image is required")
        try:
            found: dict[str, Any] = await self.docker.call(
                "inspect_image", lambda api: api.inspect_image(image), f"image {image}"
            )
        except CRIError as err:
            if is_not_found(err):
                return None
            raise
        return found

    async def status(self, image: str, verbose: bool) -> pb.ImageStatusResponse:
        found = await self.inspect(image)
        if found is None:
            return pb.ImageStatusResponse()
        response = pb.ImageStatusResponse(image=views.image(found))
        if verbose:
            config = found.get("Config") or {}
            response.info["info"] = json.dumps(
                {
                    "created": found.get("Created", ""),
                    "entrypoint": config.get("Entrypoint"),
                    "cmd": config.get("Cmd"),
                }
            )
        return response

    async def pull(self, image: str, auth: pb.AuthConfig) -> str:
        if not image:
            raise invalid("image.image is required")
        if self.allowed_registries and not registry_allowed(
            registry_of(image), self.allowed_registries
        ):
            local = await self.inspect(full_reference(image))
            if local is None:
                raise CRIError(
                    grpc.StatusCode.NOT_FOUND,
                    f"pulling image {image!r}: registry {registry_of(image) or '?'} is not "
                    f"allowed on this node (--allowed-registries "
                    f"{','.join(self.allowed_registries)}) and no local copy exists",
                )
            log.debug("%s: registry not allowed, using the local copy", image)
            return str(local["Id"])
        repository, tag = split_reference(image)
        credentials = auth_config(auth)

        def run(api: APIClient) -> None:
            for message in api.pull(
                repository, tag=tag, stream=True, decode=True, auth_config=credentials
            ):
                if "error" in message:
                    detail = (message.get("errorDetail") or {}).get("message")
                    raise pull_error(image, str(detail or message["error"]))

        start = time.monotonic()
        try:
            await self.docker.call("pull_image", run, f"pulling image {image!r}")
        except CRIError as err:
            if err.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNKNOWN):
                raise pull_error(image, err.message) from None
            raise
        found = await self.inspect(full_reference(image))
        if found is None:
            raise CRIError(grpc.StatusCode.UNKNOWN, f"image {image!r} is missing after its pull")
        log.info("pulled %s (%s) in %.1fs", image, found["Id"], time.monotonic() - start)
        return str(found["Id"])

    async def remove(self, image: str) -> None:
        """Removes an image by name (that tag) or by ID (every tag); absent is success."""
        found = await self.inspect(image)
        if found is None:
            return
        image_id = str(found["Id"])
        by_id = image_id == image or image_id.removeprefix("sha256:").startswith(
            image.removeprefix("sha256:")
        )
        names = list(found.get("RepoTags") or []) if by_id else [image]
        for name in names or [image_id]:
            await self._remove_one(name)
        if by_id and names:
            await self._remove_one(image_id)

    async def _remove_one(self, name: str) -> None:
        try:
            await self.docker.call(
                "remove_image", lambda api: api.remove_image(name), f"removing image {name!r}"
            )
        except CRIError as err:
            if not is_not_found(err):
                raise

    async def fs_info(self) -> pb.ImageFsInfoResponse:
        def run(api: APIClient) -> tuple[str, int]:
            info = api.info()
            usage = api.df()
            return str(info.get("DockerRootDir", "")), int(usage.get("LayersSize") or 0)

        root, used = await self.docker.call("image_fs_info", run, "image filesystem")
        return pb.ImageFsInfoResponse(
            image_filesystems=[
                pb.FilesystemUsage(
                    timestamp=time.time_ns(),
                    fs_id=pb.FilesystemIdentifier(mountpoint=root),
                    used_bytes=pb.UInt64Value(value=max(0, used)),
                )
            ]
        )
