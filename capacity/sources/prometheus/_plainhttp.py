"""The production transport for ``http://``: keep-alive ``http.client`` connections.

A pull is hundreds of GETs of a few hundred kilobytes each; ``http.client``
alone costs about half the CPU of requests + urllib3 per request, and the pull
shares two cores with the server it reads. Answers are read whole, gzip and
deflate are decoded; a redirect hands this request and every later one to the
``follow`` transport (requests, which follows redirects and sees where they lead).
No proxies, no cookies: :func:`~capacity.sources.prometheus._http.open_transport`
picks requests for those.
"""

from __future__ import annotations

import functools
import http.client
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from urllib.parse import urlencode, urlsplit

from .transport import Answer, Method, Refused, Timeout, Transport, TransportError, reason_of

__all__ = ["MAX_BODY", "PlainTransport", "decoded", "read_bounded"]

_REDIRECTS = frozenset((301, 302, 303, 307, 308))
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


#: the most an answer may inflate to: a few hundred thousand points of JSON is tens of MB; a small gzip
#: that inflates to gigabytes is an attack or a broken proxy, refused before it is in memory
MAX_BODY = 512 * 2**20


def _inflate(body: bytes, wbits: int, enc: str, limit: int) -> bytes:
    d = zlib.decompressobj(wbits)
    out = d.decompress(body, limit + 1)
    if len(out) > limit or d.unconsumed_tail:
        raise Refused(f"the {enc} answer inflates past {limit / 2**20:g} MiB; refused")
    if not d.eof:
        raise zlib.error("incomplete or truncated stream")
    return out


def decoded(body: bytes, encoding: str, limit: int = MAX_BODY) -> bytes:
    """``body`` without its Content-Encoding (gzip or deflate; identity as is), at most ``limit`` bytes."""
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return body
    try:
        if enc in ("gzip", "x-gzip"):
            return _inflate(body, 16 + zlib.MAX_WBITS, enc, limit)
        if enc == "deflate":
            try:
                return _inflate(body, zlib.MAX_WBITS, enc, limit)
            except zlib.error:
                return _inflate(body, -zlib.MAX_WBITS, enc, limit)  # raw deflate, as some servers send it
    except zlib.error as exc:
        raise TransportError(f"the {enc} answer does not decompress ({exc})") from None
    raise TransportError(f"the answer came with Content-Encoding {encoding!r}, which was not asked for")


def read_bounded(chunks: Callable[[], bytes], until: float, limit: float, size: int = MAX_BODY) -> list[bytes]:
    """The chunks ``chunks()`` gives until it gives b'', against a deadline for the whole answer
    (``until``, ``limit`` seconds after the start) and at most ``size`` bytes."""
    parts: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > until:
            raise Timeout(f"the answer did not complete within {limit:g} s")
        chunk = chunks()
        if not chunk:
            return parts
        total += len(chunk)
        if total > size:
            raise Refused(f"the answer is larger than {size / 2**20:g} MiB; refused")
        parts.append(chunk)


def _read_all(resp: http.client.HTTPResponse, until: float, limit: float) -> bytes:
    """The whole body, read as it arrives against a deadline for the whole answer."""
    if resp.length is not None and resp.length > MAX_BODY:
        raise Refused(
            f"the answer announces {resp.length / 2**20:,.0f} MiB, more than {MAX_BODY / 2**20:g} MiB; refused"
        )

    def chunk() -> bytes:
        if resp.length == 0:
            return b""
        got = resp.read1(1 << 16)  # what has arrived (read(n) would wait for all n bytes)
        if not got and resp.length:  # the connection closed before Content-Length bytes came
            raise http.client.IncompleteRead(b"", resp.length)
        return got

    parts = read_bounded(chunk, until, limit)
    parts.append(resp.read())  # b'': ends the response, so the connection can be reused
    return b"".join(parts)


@functools.lru_cache(maxsize=64)
def _split(url: str) -> tuple[str, int, str]:
    """(host, port, path) of an ``http://`` URL without query string."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"PlainTransport sends only to http:// URLs, not {parts.scheme}://")
    return parts.hostname, parts.port or 80, parts.path or "/"


class PlainTransport:
    """:class:`~capacity.sources.prometheus.transport.Transport` over ``http.client``.

    A kept-alive connection the server closed while it was idle is replaced at once
    (the request is sent again on a new one). ``opened`` counts connections opened,
    ``sent`` the requests this transport sent itself (not those it handed on after a
    redirect). At most ``size`` idle connections are kept per ``host:port``."""

    def __init__(
        self, *, size: int = 10, follow: Callable[[], Transport] | None = None, deadline: float | None = None
    ) -> None:
        self.size = size
        #: seconds a whole answer may take (default: 4 read timeouts, 2 minutes at the default 30 s): the read
        #: timeout bounds each read, so a body trickling a byte a second would otherwise never end
        self.deadline = deadline
        self.opened = self.sent = 0
        self._follow = follow
        #: the transport that took over after a redirect (None until one came)
        self.following: Transport | None = None
        self._idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def _take(self, host: str, port: int, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.setdefault((host, port), [])
            if idle:
                conn = idle.pop()
                if conn.timeout != timeout:
                    conn.timeout = timeout
                    if conn.sock is not None:
                        conn.sock.settimeout(timeout)
                return conn, True
            self.opened += 1
        return http.client.HTTPConnection(host, port, timeout=timeout), False

    def _give(self, host: str, port: int, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.get((host, port))
            if idle is not None and len(idle) < self.size:
                idle.append(conn)
                return
        conn.close()

    def _exchange(
        self,
        host: str,
        port: int,
        method: str,
        target: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One request on a kept-alive connection (a stale one is replaced), its whole body read."""
        while True:
            conn, reused = self._take(host, port, timeout)
            try:
                limit = self.deadline if self.deadline is not None else 4 * timeout
                until = time.monotonic() + limit
                conn.request(method, target, body=body, headers=headers)
                resp = conn.getresponse()
                raw = _read_all(resp, until, limit)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if reused:  # went stale while idle: the server never saw this request
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if resp.will_close:
                conn.close()
            else:
                self._give(host, port, conn)
            return resp, raw

    def send(
        self, method: Method, url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float
    ) -> Answer:
        if self.following is not None:
            return self.following.send(method, url, params, headers, timeout)
        with self._lock:
            self.sent += 1
        host, port, path = _split(url)
        query = urlencode(params)
        sent = headers
        if not any(name.lower() == "accept-encoding" for name in headers):
            sent = {**headers, "Accept-Encoding": "gzip, deflate"}  # the encodings decoded here
        if method == "GET":
            target, body, where = f"{path}?{query}" if query else path, None, f"{url}?{query}" if query else url
        else:
            target, body, where, sent = path, query.encode(), url, {**sent, **_FORM}
        try:
            resp, raw = self._exchange(host, port, method, target, body, sent, timeout)
        except TimeoutError:
            raise Timeout(f"no answer within {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(reason_of(exc)) from None
        if resp.status in _REDIRECTS and self._follow is not None:
            with self._lock:
                if self.following is None:
                    self.following = self._follow()
            return self.following.send(method, url, params, headers, timeout)
        answer_headers = {name.lower(): value for name, value in resp.getheaders()}
        return Answer(resp.status, answer_headers, decoded(raw, answer_headers.get("content-encoding", "")), where)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = list(self._idle.values()), {}
        for conns in idle:
            for conn in conns:
                conn.close()
        if self.following is not None:
            self.following.close()
