"""Credentials come only from the environment or files and never leak into messages or reprs."""

from __future__ import annotations

import contextlib

import pandas as pd
import pytest
import requests

from capacity.core.errors import ConfigError, ConnectionFailed
from capacity.sources.prometheus._plainhttp import PlainTransport
from capacity.sources.prometheus._requests import RequestsTransport
from capacity.sources.prometheus.auth import BasicAuth, BearerAuth, auth_headers, from_env, public_url
from capacity.sources.prometheus.source import PrometheusSource

SECRET = "s3cr3t-Tok3n-xyz"
T0, T2 = pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T00:02Z")


def _prepared(auth) -> requests.PreparedRequest:
    return auth(requests.Request("GET", "http://127.0.0.1:9/x").prepare())


def test_bearer_token_from_variable_and_file(tmp_path):
    creds = from_env({"CAPACITY_BEARER_TOKEN": SECRET})
    assert isinstance(creds.auth, BearerAuth)
    assert _prepared(creds.auth).headers["Authorization"] == f"Bearer {SECRET}"
    f = tmp_path / "token"
    f.write_text(SECRET + "\n")
    creds = from_env({"CAPACITY_BEARER_TOKEN_FILE": str(f)})
    assert _prepared(creds.auth).headers["Authorization"] == f"Bearer {SECRET}"
    assert SECRET not in repr(creds) and SECRET not in repr(creds.auth)
    assert auth_headers(creds.auth) == {"Authorization": f"Bearer {SECRET}"} and auth_headers(None) == {}


def test_basic_auth_with_password_file(tmp_path):
    f = tmp_path / "pw"
    f.write_text(SECRET)
    creds = from_env({"CAPACITY_BASIC_AUTH_USER": "ops", "CAPACITY_BASIC_AUTH_PASSWORD_FILE": str(f)})
    assert isinstance(creds.auth, BasicAuth)
    expected = requests.auth._basic_auth_str("ops", SECRET)
    assert _prepared(creds.auth).headers["Authorization"] == expected
    assert SECRET not in repr(creds.auth) and "ops" in repr(creds.auth)


@pytest.mark.parametrize(
    "env,field",
    [
        ({"CAPACITY_BEARER_TOKEN": SECRET, "CAPACITY_BEARER_TOKEN_FILE": "/x"}, "CAPACITY_BEARER_TOKEN"),
        ({"CAPACITY_BEARER_TOKEN_FILE": "/nonexistent/token"}, "CAPACITY_BEARER_TOKEN_FILE"),
        ({"CAPACITY_BASIC_AUTH_PASSWORD": SECRET}, "CAPACITY_BASIC_AUTH_USER"),
        ({"CAPACITY_BEARER_TOKEN": SECRET, "CAPACITY_BASIC_AUTH_USER": "u"}, "CAPACITY_BEARER_TOKEN"),
        ({"CAPACITY_TLS_VERIFY": "maybe"}, "CAPACITY_TLS_VERIFY"),
        ({"CAPACITY_CA_BUNDLE": "/nonexistent/ca.pem"}, "CAPACITY_CA_BUNDLE"),
        ({"CAPACITY_HEADERS": f"Authorization Bearer {SECRET}"}, "CAPACITY_HEADERS"),
    ],
)
def test_bad_settings_name_the_variable_not_the_secret(env, field):
    with pytest.raises(ConfigError) as err:
        from_env(env)
    assert err.value.field == field and SECRET not in str(err.value)


def test_tls_and_headers(tmp_path):
    assert from_env({"CAPACITY_TLS_VERIFY": "false"}).verify is False
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert from_env({"CAPACITY_CA_BUNDLE": str(ca)}).verify == str(ca)
    creds = from_env({"CAPACITY_HEADERS": "X-Scope-OrgID: tenant1; X-Other: v w"})
    assert dict(creds.headers) == {"X-Scope-OrgID": "tenant1", "X-Other": "v w"}
    assert creds.tenant() == "x-scope-orgid=tenant1"
    assert from_env({}).auth is None and from_env({}).verify is True


def test_urls_with_credentials_or_query_strings_are_refused_without_echo():
    assert public_url("http://127.0.0.1:9090/") == "http://127.0.0.1:9090"
    assert public_url("https://mimir.example:443/prometheus/") == "https://mimir.example:443/prometheus"
    for url in (f"http://ops:{SECRET}@127.0.0.1:9090", f"http://127.0.0.1:9090/?token={SECRET}"):
        with pytest.raises(ConfigError) as err:
            public_url(url)
        assert SECRET not in str(err.value) and "127.0.0.1:9090" in str(err.value)


def test_source_repr_and_errors_hold_no_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("CAPACITY_BEARER_TOKEN", SECRET)
    from capacity.testing.servers import free_port

    src = PrometheusSource(f"http://127.0.0.1:{free_port()}", cache_dir=tmp_path, retries=0)
    assert SECRET not in repr(src)
    with pytest.raises(ConnectionFailed) as err:
        src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T01:00Z"), pd.Timedelta("1m"))
    assert SECRET not in str(err.value) and SECRET not in repr(err.value.context)


class _Recorder:
    """A real HTTP server on loopback that records each request's headers and answers one matrix."""

    BODY = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up"},"values":[[1788220800,"1"]]}]}}'  # noqa: E501 (a literal query / response body)

    def __enter__(self) -> _Recorder:
        import http.server
        import threading

        seen = self.seen = []
        body = self.BODY

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                seen.append(dict(self.headers))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    "env,expected",
    [
        ({"CAPACITY_BEARER_TOKEN": SECRET}, f"Bearer {SECRET}"),
        (
            {"CAPACITY_BASIC_AUTH_USER": "ann", "CAPACITY_BASIC_AUTH_PASSWORD": SECRET},
            "Basic YW5uOnMzY3IzdC1Ub2szbi14eXo=",
        ),
    ],
)
def test_direct_http_path_sends_credentials_and_tenant_headers(env, expected, monkeypatch, tmp_path):
    for k, v in {**env, "CAPACITY_HEADERS": "X-Scope-OrgID: tenant1"}.items():
        monkeypatch.setenv(k, v)
    with _Recorder() as srv:
        plain = PrometheusSource(srv.url, cache=False)
        assert isinstance(plain.transport, PlainTransport)  # plain http, static credentials: the http.client transport
        got = plain.fetch("up", T0, T2, pd.Timedelta("1m"))
        plain.close()
        viareq = PrometheusSource(srv.url, cache=False, session=requests.Session())
        assert isinstance(viareq.transport, RequestsTransport)  # a session: requests sends
        again = viareq.fetch("up", T0, T2, pd.Timedelta("1m"))
        viareq.close()
    assert got.frame["y"].tolist() == again.frame["y"].tolist() == [1.0]
    assert [h["Authorization"] for h in srv.seen] == [expected, expected]
    assert all(h["X-Scope-OrgID"] == "tenant1" and h["Accept-Encoding"] == "identity" for h in srv.seen)


class _Signing(requests.auth.AuthBase):
    """An auth object that signs each request (so it must be applied by requests)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        self.calls += 1
        r.headers["X-Signature"] = f"sig-{self.calls}"
        return r


def test_an_auth_object_that_signs_each_request_goes_through_requests():
    signing = _Signing()
    with _Recorder() as srv:
        src = PrometheusSource(srv.url, cache=False, auth=signing)
        assert isinstance(src.transport, RequestsTransport)
        src.fetch("up", T0, T2, pd.Timedelta("1m"))
        src.fetch("up", T0, T2 + pd.Timedelta("1m"), pd.Timedelta("1m"))
    assert [h["X-Signature"] for h in srv.seen] == ["sig-1", "sig-2"] and "Authorization" not in srv.seen[0]
    with pytest.raises(ConfigError) as err:  # the transport would not apply it: said at once
        PrometheusSource(srv.url, auth=signing, transport=PlainTransport())
    assert err.value.field == "transport"


def test_transport_choice(monkeypatch):
    assert isinstance(PrometheusSource("http://127.0.0.1:9", cache=False).transport, PlainTransport)
    assert isinstance(PrometheusSource("https://127.0.0.1:9", cache=False).transport, RequestsTransport)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert isinstance(PrometheusSource("http://prom.example:9090", cache=False).transport, RequestsTransport)
    mine = PlainTransport()
    assert PrometheusSource("http://prom.example:9090", cache=False, transport=mine).transport is mine


def test_a_pasted_newline_is_trimmed_from_secrets():
    creds = from_env({"CAPACITY_BEARER_TOKEN": "s3cret\n", "CAPACITY_HEADERS": "X-Scope-OrgID: team-a \n"})
    assert auth_headers(creds.auth) == {"Authorization": "Bearer s3cret"}
    assert dict(creds.headers) == {"X-Scope-OrgID": "team-a"}


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"CAPACITY_BEARER_TOKEN": "s3c\nret"}, "CAPACITY_BEARER_TOKEN"),  # inside: not a paste mistake
        ({"CAPACITY_BEARER_TOKEN": "s3cretΩ"}, "CAPACITY_BEARER_TOKEN"),  # not Latin-1: requests would raise
        ({"CAPACITY_BASIC_AUTH_USER": "u", "CAPACITY_BASIC_AUTH_PASSWORD": "pa\x00ss"}, "CAPACITY_BASIC_AUTH_PASSWORD"),
        ({"CAPACITY_HEADERS": "X-Api-Key: k\x1bey"}, "CAPACITY_HEADERS: X-Api-Key"),
    ],
)
def test_secrets_headers_cannot_carry_are_refused_without_echo(env, field):
    with pytest.raises(ConfigError) as err:
        from_env(env)
    assert err.value.field == field
    secret = next(iter(env.values())) if len(env) == 1 else env["CAPACITY_BASIC_AUTH_PASSWORD"]
    assert secret.split(":")[-1].strip() not in str(err.value) and "ret" not in str(err.value)


@contextlib.contextmanager
def _serving(respond):
    """A real loopback HTTP server whose every GET is answered by ``respond(handler)``; yields its URL."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            respond(self)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _reply(handler, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _fetch(src: PrometheusSource) -> None:
    src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T01:00Z"), pd.Timedelta("1m"))


@pytest.mark.parametrize("status", [502, 400])
def test_an_error_body_that_reflects_our_headers_shows_no_secret(status, monkeypatch, tmp_path):
    """A proxy that answers with the request's headers in its body (a common debug page): the error
    line names the server and the status, and blanks what we sent."""

    def reflect(h):
        body = "bad gateway; request headers: " + "; ".join(f"{k}: {v}" for k, v in h.headers.items())
        _reply(h, status, body.encode())

    monkeypatch.setenv("CAPACITY_BEARER_TOKEN", SECRET)
    monkeypatch.setenv("CAPACITY_HEADERS", "X-Api-Key: apikey-0123456789")
    with _serving(reflect) as url:
        src = PrometheusSource(url, cache_dir=tmp_path, retries=0)
        with pytest.raises(Exception) as err:
            _fetch(src)
        text = str(err.value) + repr(getattr(err.value, "context", ""))
        assert SECRET not in text and "apikey-0123456789" not in text
        assert "request headers" in text and "***" in text  # the body is still shown, blanked


def test_a_retry_after_longer_than_the_limit_gives_up_at_once_and_says_why(tmp_path):
    """A real server answering 503 with Retry-After: 99999: one attempt, not minutes of silent waiting."""
    from capacity.core.errors import RetriesExhausted

    hits = []

    def busy(h):
        hits.append(1)
        _reply(h, 503, headers={"Retry-After": "99999"})

    with _serving(busy) as url:
        src = PrometheusSource(url, cache=False, retries=4)
        with pytest.raises(RetriesExhausted) as err:
            _fetch(src)
        assert len(hits) == 1 and err.value.attempts == 1
        assert "asked to retry after 99999 s, more than the 30 s limit" in str(err.value)
        assert "gave up after 1 attempt)" in str(err.value)


@pytest.mark.parametrize(
    "body",
    [
        b'{"status":"success","data":[1,2,3]}',
        b'{"status":"success","data":{"resultType":"matrix","result":{"a":1}}}',
        b'{"status":"success","data":{"resultType":"matrix","result":[1,2]}}',
        b"[1,2]",
    ],
)
def test_answers_of_the_wrong_shape_are_a_worded_source_error(body, tmp_path):
    """A real server answering 200 with JSON that is not a query_range answer (a proxy, another API)."""
    from capacity.core.errors import CapacityError

    with _serving(lambda h: _reply(h, 200, body, {"Content-Type": "application/json"})) as url:
        src = PrometheusSource(url, cache=False, retries=0)
        with pytest.raises(CapacityError, match="Prometheus-API server"):
            _fetch(src)
