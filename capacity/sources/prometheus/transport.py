"""The one interface between the Prometheus source and HTTP.

A :class:`Transport` sends one request and hands back the whole :class:`Answer`,
or raises a :class:`TransportError` when no whole answer came. It knows nothing
of retries, Prometheus or credentials: the client above it
(:class:`~capacity.sources.prometheus._http.Client`) passes every header,
credentials included, and decides what an answer means.

Implementations: :class:`~capacity.sources.prometheus._plainhttp.PlainTransport`
(``http://``, keep-alive ``http.client`` connections: the production fast path),
:class:`~capacity.sources.prometheus._requests.RequestsTransport` (https, proxies,
custom sessions and auth objects, redirects) and, for tests,
:class:`capacity.testing.faults.FaultTransport` (wraps either, injects faults).
"""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["Answer", "Method", "TLSError", "Timeout", "Transport", "TransportError", "reason_of"]

Method = Literal["GET", "POST"]


@dataclass(frozen=True, slots=True)
class Answer:
    """One whole answer. ``headers``: names in lower case; ``body``: without its
    Content-Encoding (decompressed); ``url``: where it came from (after redirects)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


class TransportError(Exception):
    """No whole answer (refused, dropped, cut short, undecodable). ``reason`` is a short
    phrase that names no credential and no URL (the caller adds the public URL)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Timeout(TransportError):
    """No answer within the timeout."""


class TLSError(TransportError):
    """The TLS handshake or certificate check failed (not worth retrying)."""


class Refused(TransportError):
    """An answer refused for what it is (larger than the limit, redirects in a loop): asking again
    would get the same, so it is not retried."""


class RedirectRefused(Refused):
    """The server redirected to another origin (scheme, host or port): not followed, not retried.
    ``target`` is that origin, without user info, path or query."""

    def __init__(self, target: str) -> None:
        super().__init__(f"redirected to another origin, {target}")
        self.target = target


class Transport(Protocol):
    """Sends requests to HTTP servers: one call, one whole answer."""

    def send(
        self, method: Method, url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float
    ) -> Answer:
        """``method`` ``url`` with ``params`` (GET: the query string; POST: a form body)
        and exactly ``headers``; wait at most ``timeout`` seconds between bytes.
        Redirects are followed (or the 3xx answer returned); errors: :class:`TransportError`."""
        ...

    def close(self) -> None:
        """Close kept-alive connections (the transport may be used again)."""
        ...


_REASONS = (
    ("Connection refused", "connection refused"),
    ("RemoteDisconnected", "the server closed the connection"),
    ("Connection reset", "connection reset by the server"),
    ("Connection aborted", "connection aborted"),
    ("IncompleteRead", "the answer was cut short"),
    ("Name or service not known", "unknown host"),
    ("nodename nor servname", "unknown host"),
    ("No route to host", "no route to host"),
    ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed"),
    ("WRONG_VERSION_NUMBER", "the server does not speak TLS on this port"),
)


def reason_of(exc: BaseException) -> str:
    """A short phrase for a connection-level exception (never its text with URLs in it)."""
    text = repr(exc)
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    if isinstance(exc, http.client.HTTPException) and str(exc):
        return str(exc)
    return type(exc).__name__
