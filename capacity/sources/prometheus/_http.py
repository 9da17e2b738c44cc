"""HTTP transport to a Prometheus-API server: prometheus-api-client's connection,
our retries (exponential backoff + jitter, Retry-After), and typed errors.

Retried: HTTP 5xx and 429, timeouts, refused/dropped connections.
Not retried: 4xx (a bad query is a QueryError carrying the query), TLS errors.
No message names a credential: the URL shown is the public one (no user info).
"""
from __future__ import annotations

import email.utils
import http.client
import inspect
import json
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from prometheus_api_client import PrometheusConnect
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter
from urllib3.util.retry import Retry

from ...core.errors import ConnectionFailed, QueryError, RetriesExhausted, SourceError
from ._plainhttp import PlainPool
from .auth import BasicAuth, BearerAuth, Credentials

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: tenacity >= 9.1 calls the first backoff 'multiplier' (and deprecates 'initial')
_FIRST_WAIT = "multiplier" if "multiplier" in inspect.signature(wait_exponential_jitter).parameters else "initial"
#: queries longer than this go as a POST form (URLs have length limits)
_POST_OVER = 4000


class _Transient(Exception):
    """A failure worth another attempt."""

    def __init__(self, status: int | str, reason: str, retry_after: float | None = None, connection: bool = False) -> None:
        super().__init__(reason)
        self.status, self.reason, self.retry_after, self.connection = status, reason, retry_after, connection


class Aborted(Exception):
    """Another piece of the same pull failed: stop quietly."""


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, when.timestamp() - time.time()) if when is not None else None


def _conn_reason(exc: BaseException) -> str:
    text = repr(exc)
    for needle, reason in (
        ("Connection refused", "connection refused"),
        ("RemoteDisconnected", "the server closed the connection"),
        ("Connection reset", "connection reset by the server"),
        ("Connection aborted", "connection aborted"),
        ("IncompleteRead", "the answer was cut short"),
        ("Name or service not known", "unknown host"),
        ("nodename nor servname", "unknown host"),
        ("No route to host", "no route to host"),
    ):
        if needle in text:
            return reason
    if isinstance(exc, http.client.HTTPException) and str(exc):
        return str(exc)
    return type(exc).__name__


def _error_text(resp: requests.Response) -> str:
    try:
        body = resp.json()
        if isinstance(body, dict) and body.get("error"):
            return f"{body.get('errorType', 'error')}: {body['error']}"
    except ValueError:
        pass
    text = " ".join(resp.text.split())[:200]
    return text or resp.reason or ""


def _decoded(body: bytes, encoding: str) -> bytes:
    """The body without its Content-Encoding (gzip or deflate; identity as is)."""
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return body
    try:
        if enc in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if enc == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    except zlib.error as exc:
        raise http.client.HTTPException(f"the {enc} answer does not decompress ({exc})") from None
    raise http.client.HTTPException(f"the answer came with Content-Encoding {encoding!r}, which was not asked for")


class Transport:
    """One server: a requests session (injectable), headers, auth, TLS, retries."""

    def __init__(
        self,
        url: str,
        creds: Credentials,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        max_wait: float = 30.0,
        pool: int = 4,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.max_wait = max_wait
        own = session is None
        self.session = session if session is not None else requests.Session()
        saved = OrderedDict(self.session.adapters)
        # prometheus-api-client holds the connection settings; its own urllib3 retries are off (ours apply)
        self.conn = PrometheusConnect(
            url,
            headers=dict(creds.headers) or None,
            disable_ssl=creds.verify is False,
            retry=Retry(0, read=False),
            auth=creds.auth,
            session=self.session,
            timeout=timeout,
        )
        if own:
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(10, pool), max_retries=Retry(0, read=False))
            self.session.mount(url + "/", adapter)
        else:  # keep the caller's adapters (a test's fault injector) in charge
            self.session.adapters = saved
        self.verify = creds.verify
        self.headers = dict(self.conn.headers or {})
        if urlsplit(url).hostname in _LOOPBACK:  # compressing costs more than it saves on loopback
            self.headers.setdefault("Accept-Encoding", "identity")
        self._settings: dict[str, dict[str, Any]] = {}  # url -> requests' environment settings (proxies, CA bundle)
        self._templates: dict[str, requests.PreparedRequest] = {}  # url -> prepared GET without its query string
        self._direct_heads: dict[str, tuple[str, dict[str, str]]] = {}  # url -> (path, headers) of direct GETs
        # plain-http GETs of our own session with static credentials skip requests' per-call machinery
        # (session merging, hooks, cookie jars): http.client keep-alive connections, same headers, same errors
        parts = urlsplit(url)
        self._direct = own and parts.scheme == "http" and (creds.auth is None or type(creds.auth) in (BearerAuth, BasicAuth))
        self._pool = PlainPool(parts.hostname or "", parts.port or 80, timeout=timeout, size=max(10, pool)) if self._direct else None
        #: called with (status, seconds to wait) before each retry: for logs and progress displays
        self.on_retry: Callable[[int | str, float], None] | None = None

    def close(self) -> None:
        self.session.close()
        if self._pool is not None:
            self._pool.close()

    def _once(self, path: str, params: dict[str, str], query: str, stop: threading.Event | None) -> bytes:
        if stop is not None and stop.is_set():
            raise Aborted()
        method = "POST" if len(query) > _POST_OVER else "GET"
        try:
            url = self.conn.url + path
            settings = self._settings.get(url)
            if settings is None:  # the environment's proxy/CA settings, looked up once per URL
                settings = self._settings[url] = self.session.merge_environment_settings(url, {}, True, self.verify, None)
            resp = None
            if self._direct and method == "GET" and not settings.get("proxies") and not self.session.cookies:
                resp = self._send_direct(url, params)
                if resp.is_redirect:  # requests follows redirects (and sees where they lead): from now on it sends
                    self._direct, resp = False, None
            if resp is None:
                # stream: the body is read below in one call (requests' 10 KB iteration costs more than the parse)
                resp = self.session.send(self._prepare(method, url, params), timeout=self.timeout, allow_redirects=True, **settings)
        except requests.exceptions.SSLError as exc:
            raise ConnectionFailed(
                f"TLS error talking to {self.url}: {_conn_reason(exc)} (set CAPACITY_CA_BUNDLE, or CAPACITY_TLS_VERIFY=false)",
                url=self.url,
                query=query,
            ) from None
        except (requests.Timeout, TimeoutError):
            raise _Transient("timeout", f"no answer within {self.timeout:g} s") from None
        except (requests.ConnectionError, http.client.HTTPException, OSError) as exc:
            raise _Transient("connection", _conn_reason(exc), connection=True) from None
        code = resp.status_code
        if code == 429 or code >= 500:
            raise _Transient(code, f"HTTP {code} {_error_text(resp)}".strip(), retry_after=_retry_after(resp))
        raw = self._body(resp)
        if code == 200 and raw.startswith(b'{"status":"success"'):
            return raw  # parsed by the caller, on its fast path
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("status") == "error":
            etype, err = body.get("errorType", "error"), body.get("error", "")
            raise QueryError(
                f"{self.url} rejected query {query!r}: {etype}: {err}", query=query, error_type=etype, error=err, url=self.url
            )
        if code in (401, 403):
            raise SourceError(
                f"{self.url} answered HTTP {code} (not authorised): check CAPACITY_BEARER_TOKEN / CAPACITY_BASIC_AUTH_* / CAPACITY_HEADERS",
                source=self.url, query=query, status=code,
            )
        if code != 200 or not isinstance(body, dict):
            what = "non-JSON answer" if body is None else f"HTTP {code}"
            raise SourceError(
                f"{self.url}{path}: {what} ({_error_text(resp)}); is this a Prometheus-API server?",
                source=self.url, query=query, status=code,
            )
        if body.get("status") != "success":
            raise SourceError(f"{self.url}{path}: answer has no success status; is this a Prometheus-API server?", source=self.url, query=query)
        return raw

    def _body(self, resp: requests.Response) -> bytes:
        """The whole body: one read from urllib3 when nothing has read it yet, else ``resp.content``."""
        if getattr(resp, "_content", None) is not False or not isinstance(resp.raw, urllib3.response.HTTPResponse):
            return resp.content  # already read (an adapter looked at it) or not a urllib3 response
        try:
            raw = resp.raw.read(decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            raise _Transient("timeout", f"no answer within {self.timeout:g} s") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            resp.close()
            raise _Transient("connection", _conn_reason(exc), connection=True) from None
        resp.raw.release_conn()  # back to the pool, kept alive
        resp._content, resp._content_consumed = raw, True  # as requests would leave it (error messages read it again)
        return raw

    def _send_direct(self, url: str, params: dict[str, str]) -> requests.Response:
        """One GET through the plain-http pool, answered as a (read, decoded) ``requests.Response``."""
        direct = self._direct_heads.get(url)
        if direct is None:  # the template's path and headers (credentials included), once per URL
            template = self._template(url)
            headers = dict(template.headers)
            if headers.get("Accept-Encoding", "").strip().lower() != "identity":
                headers["Accept-Encoding"] = "gzip"  # the one encoding decoded here
            direct = self._direct_heads[url] = (urlsplit(template.url).path, headers)
        path, headers = direct
        query = urlencode(params)
        got = self._pool.get(f"{path}?{query}", headers)  # type: ignore[union-attr]
        resp = requests.Response()
        resp.status_code, resp.reason = got.status, got.reason
        resp.headers = CaseInsensitiveDict(got.headers)
        resp._content, resp._content_consumed = _decoded(got.body, resp.headers.get("Content-Encoding", "")), True
        resp.url, resp.encoding = f"{url}?{query}", None
        return resp

    def _prepare(self, method: str, url: str, params: dict[str, str]) -> requests.PreparedRequest:
        """Session.prepare_request, done once per URL for GETs: each call copies the
        prepared template and sets its query string (requests' merging costs more per
        piece than reading the answer). Sessions holding cookies prepare every request."""
        if method != "GET" or self.session.cookies:
            return self.session.prepare_request(
                requests.Request(method, url, params=params if method == "GET" else None, data=params if method == "POST" else None,
                                 headers=self.headers, auth=self.conn.auth)
            )
        template = self._template(url)
        prepared = template.copy()
        prepared.url = f"{template.url}?{urlencode(params)}"
        return prepared

    def _template(self, url: str) -> requests.PreparedRequest:
        """The session's prepared GET of ``url`` without a query string (prepared once)."""
        template = self._templates.get(url)
        if template is None:
            template = self._templates[url] = self.session.prepare_request(
                requests.Request("GET", url, headers=self.headers, auth=self.conn.auth)
            )
        return template

    def _wait(self, state: Any) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            delay = min(exc.retry_after, self.max_wait)
        else:
            delay = float(wait_exponential_jitter(**{_FIRST_WAIT: self.backoff}, max=self.max_wait, jitter=self.backoff)(state))
        if self.on_retry is not None:
            self.on_retry(exc.status if isinstance(exc, _Transient) else "error", delay)
        return delay

    def get(self, path: str, params: dict[str, str], *, query: str, stop: threading.Event | None = None) -> bytes:
        """The raw JSON body of a successful answer, after retries; typed errors otherwise."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=(stop.wait if stop is not None else time.sleep),
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
            if exc.connection:
                raise ConnectionFailed(
                    f"cannot reach {self.url}: {exc.reason} (gave up after {n} attempt{'s' if n > 1 else ''})",
                    url=self.url, attempts=n, status=exc.status, query=query,
                ) from None
            raise RetriesExhausted(
                f"{self.url} kept failing for query {query!r}: {exc.reason} (gave up after {n} attempts)",
                url=self.url, attempts=n, status=exc.status, query=query,
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover
