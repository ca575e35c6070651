"""An httpx transport that sends through aiohttp's connection pool: the daemons' default.

Why: httpx's own async pool (httpcore) scans every pooled connection, and asks the kernel
whether each idle one was closed, each time it hands out or takes back a connection. With
the 64 bindings the scheduler keeps in flight that is 4–6 ms of CPU per request on the
development VM, more than the API server spends answering it; aiohttp's connector and C
HTTP parser cost ~0.5 ms through this adapter, ~0.3 ms through `exchange()`, which the
client's verbs use since they only want the JSON body. `AsyncClient.request()` keeps
httpx's request and response model (its callers read `httpx.Response`); only the wire is
aiohttp's.

Concurrency: one transport belongs to one event loop. Its `aiohttp.ClientSession` is made on
the first request, inside that loop, and closed by `aclose()` (which `AsyncClient.close()`
calls). A response body is read from the pooled connection as the caller iterates it;
closing the response early (a watch that stops) drops the connection instead of pooling it.

Errors are raised as httpx's exception classes, so the client's retry policy sees the same
kinds whichever transport carries the request: a connection that could not be made is a
`ConnectError`/`ConnectTimeout`, one that broke mid-answer a `ReadError`/`RemoteProtocolError`,
a silent server a `ReadTimeout`.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager

import aiohttp
import httpx

# aiohttp keeps idle connections this long; below the API server's keep-alive (30 s), so
# the server never closes a connection the pool is about to reuse.
KEEPALIVE_SECONDS = 15.0


@contextmanager
def _as_httpx_errors(request: httpx.Request | None, connecting: bool) -> Iterator[None]:
    """Re-raise aiohttp's exceptions as the httpx exception of the same meaning."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as e:
        raise httpx.ConnectTimeout(str(e) or "timed out connecting", request=request) from e
    except aiohttp.SocketTimeoutError as e:
        raise httpx.ReadTimeout(str(e) or "timed out reading", request=request) from e
    except TimeoutError as e:
        cls = httpx.ConnectTimeout if connecting else httpx.ReadTimeout
        raise cls(str(e) or "timed out", request=request) from e
    except aiohttp.ClientConnectorError as e:
        raise httpx.ConnectError(str(e), request=request) from e
    except aiohttp.ServerDisconnectedError as e:
        raise httpx.RemoteProtocolError(str(e) or "server disconnected", request=request) from e
    except aiohttp.ClientPayloadError as e:
        raise httpx.RemoteProtocolError(str(e), request=request) from e
    except aiohttp.ClientResponseError as e:
        raise httpx.RemoteProtocolError(str(e), request=request) from e
    except (aiohttp.ClientError, OSError) as e:
        raise httpx.ReadError(str(e) or type(e).__name__, request=request) from e


class _Body(httpx.AsyncByteStream):
    """A response body read from aiohttp as the caller iterates it."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request, connecting=False):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        # A body read to the end leaves a reusable connection; anything else is dropped.
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface over one `aiohttp.ClientSession` (made lazily)."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True, max_connections: int = 256) -> None:
        self._verify = verify
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            keepalive_timeout=KEEPALIVE_SECONDS,
            ssl=self._verify,
        )
        # httpx already set every header and decodes content-encoding itself.
        return aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    def _current(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = self._open()
        return self._session

    async def exchange(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One whole request and answer (status, headers, body), without httpx's models:
        the path `AsyncClient`'s verbs take, since they only want the JSON body."""
        limit = aiohttp.ClientTimeout(
            total=None, connect=timeout, sock_connect=timeout, sock_read=timeout
        )
        with _as_httpx_errors(None, connecting=True):
            async with self._current().request(
                method, url, headers=headers, data=body, allow_redirects=False, timeout=limit
            ) as response:
                return response.status, response.headers, await response.read()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._current()
        limits = request.extensions.get("timeout") or {}
        connect = limits.get("connect")
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect if limits.get("pool") is None else limits["pool"],
            sock_connect=connect,
            sock_read=limits.get("read"),
        )
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        body = await request.aread()
        with _as_httpx_errors(request, connecting=True):
            response = await session.request(
                request.method,
                str(request.url),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=timeout,
            )
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
