"""The client of one Prometheus-API server: headers, retries (exponential backoff +
jitter, Retry-After) and typed errors, over a :class:`~.transport.Transport`.

Retried: HTTP 5xx and 429, timeouts, refused/dropped/cut-short connections.
Not retried: 4xx (a bad query is a QueryError carrying the query), TLS errors.
No message names a credential: the URL shown is the public one (no user info).
"""

from __future__ import annotations

import email.utils
import http
import inspect
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ..._version import __version__
from ...core.errors import ConnectionFailed, QueryError, RetriesExhausted, SourceError
from ._plainhttp import PlainTransport
from ._requests import RequestsTransport
from .auth import Credentials, auth_headers
from .transport import Answer, RedirectRefused, Refused, Timeout, TLSError, Transport, TransportError

__all__ = ["Aborted", "Client", "open_transport"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: tenacity >= 9.1 calls the first backoff 'multiplier' (and deprecates 'initial')
_FIRST_WAIT = "multiplier" if "multiplier" in inspect.signature(wait_exponential_jitter).parameters else "initial"
#: queries longer than this go as a POST form (URLs have length limits)
_POST_OVER = 4000


class _Transient(Exception):
    """A failure worth another attempt."""

    def __init__(
        self, status: int | str, reason: str, retry_after: float | None = None, connection: bool = False
    ) -> None:
        super().__init__(reason)
        self.status, self.reason, self.retry_after, self.connection = status, reason, retry_after, connection


class Aborted(Exception):
    """Another piece of the same pull failed: stop quietly."""


def open_transport(
    url: str, creds: Credentials, *, size: int = 10, session: requests.Session | None = None
) -> Transport:
    """The transport for ``url``: :class:`PlainTransport` for ``http://`` without a proxy,
    a session or an auth object that signs each request (it hands redirects to requests);
    :class:`RequestsTransport` (``session`` if given) otherwise."""
    static = auth_headers(creds.auth) is not None
    if session is None and static and urlsplit(url).scheme == "http" and not requests.utils.get_environ_proxies(url):
        return PlainTransport(size=size, follow=lambda: RequestsTransport(verify=creds.verify, size=size))
    return RequestsTransport(session, auth=None if static else creds.auth, verify=creds.verify, size=size)


def _sleeper(stop: threading.Event | None) -> Callable[[float], None]:
    """Sleeps through the waits between attempts; a set ``stop`` cuts a wait short."""
    if stop is None:
        return time.sleep

    def wait(seconds: float) -> None:
        stop.wait(seconds)

    return wait


def _retry_after(answer: Answer) -> float | None:
    value = answer.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


def _secrets(headers: Mapping[str, str]) -> list[str]:
    """What must never be shown: every value we send but the User-Agent, and each word of it (a proxy
    may reflect ``Bearer s3cret`` or only ``s3cret``); longest first, short words left alone."""
    words = {v for k, v in headers.items() if k.lower() != "user-agent" and v}
    words |= {w for v in list(words) for w in v.split() if len(w) >= 6}
    return sorted((w for w in words if len(w) >= 4), key=len, reverse=True)


def blank(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every value of ``secrets`` (what we sent: :func:`_secrets`) replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _json(raw: bytes) -> Any:
    """``raw`` as JSON, else None (not JSON, or nested too deeply to decode)."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _error_text(answer: Answer, secrets: Sequence[str] = ()) -> str:
    """The server's reason for an error answer, with anything we sent it (a token reflected by a proxy)
    blanked: the text goes to stderr, logs and partial reports."""
    text = ""
    body = _json(answer.body) if len(answer.body) < 2**20 else None
    if isinstance(body, dict) and body.get("error"):
        text = f"{body.get('errorType', 'error')}: {body['error']}"
    text = text or " ".join(answer.body[: 1 << 16].decode("utf-8", "replace").split())
    text = blank(text, secrets)
    if text:
        return text[:200]
    try:
        return http.HTTPStatus(answer.status).phrase
    except ValueError:
        return ""


class Client:
    """One server over ``transport``: the credentials' and tenant headers, retries, typed errors.

    Bearer and basic credentials are sent as headers; an auth object that signs each
    request is the transport's to apply (:func:`open_transport` gives it to requests)."""

    def __init__(
        self,
        url: str,
        creds: Credentials,
        transport: Transport,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        max_wait: float = 30.0,
    ) -> None:
        self.url = url
        self.transport = transport
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.max_wait = max_wait
        self.headers = {"User-Agent": f"capacity/{__version__}", **creds.headers, **(auth_headers(creds.auth) or {})}
        self.secrets = _secrets(self.headers)
        if urlsplit(url).hostname in _LOOPBACK and not any(k.lower() == "accept-encoding" for k in self.headers):
            self.headers["Accept-Encoding"] = "identity"  # compressing costs more than it saves on loopback
        #: called with (status, seconds to wait) before each retry: for logs and progress displays
        self.on_retry: Callable[[int | str, float], None] | None = None

    def close(self) -> None:
        self.transport.close()

    def _once(self, path: str, params: dict[str, str], query: str, stop: threading.Event | None) -> bytes:
        if stop is not None and stop.is_set():
            raise Aborted()
        try:
            answer = self.transport.send(
                "POST" if len(query) > _POST_OVER else "GET", self.url + path, params, self.headers, self.timeout
            )
        except TLSError as exc:
            raise ConnectionFailed(
                f"TLS error talking to {self.url}: {exc.reason} (set CAPACITY_CA_BUNDLE, or CAPACITY_TLS_VERIFY=false)",
                url=self.url,
                query=query,
            ) from None
        except RedirectRefused as exc:
            raise SourceError(
                f"{self.url} redirected to {exc.target}, another origin: not followed, so no credential or "
                f"header goes there and nothing it answers is cached as {self.url}'s data; if the data lives "
                f"there, give --source {exc.target}",
                source=self.url,
                query=query,
            ) from None
        except Refused as exc:
            raise SourceError(f"{self.url}: {exc.reason}", source=self.url, query=query) from None
        except Timeout:
            raise _Transient("timeout", f"no answer within {self.timeout:g} s") from None
        except TransportError as exc:
            raise _Transient("connection", exc.reason, connection=True) from None
        return self._read(answer, path, query)

    def _read(self, answer: Answer, path: str, query: str) -> bytes:
        """The body of a successful answer; a typed error (or a retry) otherwise."""
        code, raw = answer.status, answer.body
        if code == 429 or code >= 500:
            reason = f"HTTP {code} {_error_text(answer, self.secrets)}".strip()
            after = _retry_after(answer)
            if after is not None and after > self.max_wait:  # waiting in silence for minutes is worse than saying so
                reason += f"; the server asked to retry after {after:.0f} s, more than the {self.max_wait:g} s limit"
            raise _Transient(code, reason, retry_after=after)
        if code == 200 and raw.startswith(b'{"status":"success"'):
            return raw  # parsed by the caller, on its fast path
        body = _json(raw)
        if isinstance(body, dict) and body.get("status") == "error":
            etype, err = body.get("errorType", "error"), body.get("error", "")
            raise QueryError(
                f"{self.url} rejected query {query!r}: {etype}: {err}",
                query=query,
                error_type=etype,
                error=err,
                url=self.url,
            )
        if code in (401, 403):
            raise SourceError(
                f"{self.url} answered HTTP {code} (not authorised): check CAPACITY_BEARER_TOKEN / "
                "CAPACITY_BASIC_AUTH_* / CAPACITY_HEADERS",
                source=self.url,
                query=query,
                status=code,
            )
        if code != 200 or not isinstance(body, dict):
            what = f"HTTP {code}" if code != 200 else "HTTP 200"
            what += ", a non-JSON answer" if body is None else ""
            raise SourceError(
                f"{self.url}{path}: {what} ({_error_text(answer, self.secrets)}) to query {query!r}; "
                "is this a Prometheus-API server?",
                source=self.url,
                query=query,
                status=code,
            )
        if body.get("status") != "success":
            raise SourceError(
                f"{self.url}{path}: answer has no success status; is this a Prometheus-API server?",
                source=self.url,
                query=query,
            )
        return raw

    def _worth_retrying(self, exc: BaseException) -> bool:
        """A transient failure, unless the server asked for a longer pause than ``max_wait``."""
        if not isinstance(exc, _Transient):
            return False
        return exc.retry_after is None or exc.retry_after <= self.max_wait

    def _wait(self, state: Any) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            delay = min(exc.retry_after, self.max_wait)
        else:
            delay = float(
                wait_exponential_jitter(**{_FIRST_WAIT: self.backoff}, max=self.max_wait, jitter=self.backoff)(state)
            )
        if self.on_retry is not None:
            self.on_retry(exc.status if isinstance(exc, _Transient) else "error", delay)
        return delay

    def get(self, path: str, params: dict[str, str], *, query: str, stop: threading.Event | None = None) -> bytes:
        """The raw JSON body of a successful answer, after retries; typed errors otherwise."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            retry=retry_if_exception(self._worth_retrying),
            sleep=_sleeper(stop),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(path, params, query, stop)
        except _Transient as exc:
            n = retrying.statistics.get("attempt_number", self.retries + 1)
            if stop is not None and stop.is_set():
                raise Aborted() from None
            error: type[ConnectionFailed | RetriesExhausted]
            if exc.connection:
                error = ConnectionFailed
                message = f"cannot reach {self.url}: {exc.reason} (gave up after {n} attempt{'s' if n > 1 else ''})"
            else:
                error = RetriesExhausted
                tries = f"{n} attempt{'s' if n > 1 else ''}"
                message = f"{self.url} kept failing for query {query!r}: {exc.reason} (gave up after {tries})"
            raise error(message, url=self.url, attempts=n, status=exc.status, query=query) from None
        raise AssertionError("unreachable")  # pragma: no cover
