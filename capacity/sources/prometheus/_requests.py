"""The transport for everything :class:`~capacity.sources.prometheus._plainhttp.PlainTransport`
does not do: https (CA bundles, ``verify``), proxies from the environment, cookies,
caller-made sessions, auth objects that sign each request, redirects."""

from __future__ import annotations

import http.client
import time
from collections.abc import Mapping

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.util.retry import Retry

from ._plainhttp import decoded, read_bounded
from .transport import Answer, Method, RedirectRefused, Refused, Timeout, TLSError, TransportError, reason_of

__all__ = ["RequestsTransport"]


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _keep_headers_home(session: requests.Session) -> None:
    """Make ``session`` refuse a redirect to another scheme, host or port (:class:`RedirectRefused`)
    before sending anything there. requests itself drops only ``Authorization`` (and only on a host
    change), so an API-key or tenant header went along to wherever a server pointed, and what the
    other server answered was cached as the first one's data. Idempotent; applies to the caller's
    sessions too."""
    if getattr(session, "_capacity_keeps_headers_home", False):
        return
    original = session.rebuild_auth

    def rebuild_auth(prepared: requests.PreparedRequest, response: requests.Response) -> None:
        there = _origin(str(prepared.url))
        if _origin(str(response.request.url)) != there:
            scheme, host, port = there
            raise RedirectRefused(f"{scheme}://{host}:{port}" if ":" not in host else f"{scheme}://[{host}]:{port}")
        original(prepared, response)

    session.rebuild_auth = rebuild_auth  # type: ignore[method-assign]
    session._capacity_keeps_headers_home = True  # type: ignore[attr-defined]


class RequestsTransport:
    """:class:`~capacity.sources.prometheus.transport.Transport` over a ``requests.Session``.

    ``session``: the caller's (its adapters, cookies and settings are kept), else one
    of our own with ``size`` kept-alive connections per host and urllib3's retries off
    (the client retries). ``auth``: applied to each request (with redirects as requests
    does). ``verify``: True, False or a CA bundle path (True leaves the session's own)."""

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        auth: AuthBase | None = None,
        verify: bool | str = True,
        size: int = 10,
    ) -> None:
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(10, size), max_retries=Retry(0, read=False))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        _keep_headers_home(session)
        self.session, self.auth = session, auth
        self.verify: bool | str | None = None if verify is True else verify

    def send(
        self, method: Method, url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float
    ) -> Answer:
        limit = 4 * timeout  # the whole answer, as the plain transport
        try:
            resp = self.session.request(
                method,
                url,
                params=params if method == "GET" else None,
                data=params if method == "POST" else None,
                headers=dict(headers),
                auth=self.auth,
                timeout=timeout,
                verify=self.verify,
                allow_redirects=True,
                stream=True,  # read below, within the size and time limits, then decoded within the size limit
            )
            try:
                raw = resp.raw.stream(1 << 16, decode_content=False)
                body = b"".join(read_bounded(lambda: next(raw, b""), time.monotonic() + limit, limit))
            finally:
                resp.close()
        except Refused:
            raise
        except requests.TooManyRedirects:
            raise Refused("redirects in a loop (more than 30)") from None
        except requests.exceptions.SSLError as exc:
            raise TLSError(reason_of(exc)) from None
        except (requests.RequestException, OSError, http.client.HTTPException, urllib3.exceptions.HTTPError) as exc:
            if isinstance(exc, (requests.Timeout, urllib3.exceptions.ReadTimeoutError)) or "Read timed out" in repr(
                exc
            ):
                raise Timeout(f"no answer within {timeout:g} s") from None
            raise TransportError(reason_of(exc)) from None
        answer_headers = {name.lower(): value for name, value in resp.headers.items()}
        return Answer(
            resp.status_code, answer_headers, decoded(body, answer_headers.get("content-encoding", "")), resp.url
        )

    def close(self) -> None:
        self.session.close()
