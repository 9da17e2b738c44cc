"""The requests transport and the test transport against real loopback sockets: TLS errors,
timeouts, cookies, compression; faults injected in front of either production transport."""

from __future__ import annotations

import gzip
import http.server
import socket
import threading

import pandas as pd
import pytest
import requests

from capacity.core.errors import ConfigError, ConnectionFailed, RetriesExhausted, SourceError
from capacity.sources.prometheus._plainhttp import PlainTransport
from capacity.sources.prometheus._requests import RequestsTransport
from capacity.sources.prometheus.source import PrometheusSource
from capacity.sources.prometheus.transport import Timeout, TransportError
from capacity.testing.faults import FaultTransport, Reply

BODY = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up"},"values":[[1788220800,"1"]]}]}}'  # noqa: E501 (a literal query / response body)
T0, T2 = pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T00:02Z")
SECRET = "s3cr3t-Tok3n-xyz"


class _Server:
    """Answers BODY (gzipped when asked), sets a cookie on the first answer and records what came."""

    def __enter__(self) -> _Server:
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                seen.append(dict(self.headers))
                body = BODY
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    body = gzip.compress(BODY)
                    self.send_header("Content-Encoding", "gzip")
                if len(seen) == 1:
                    self.send_header("Set-Cookie", "session=abc; Path=/")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_requests_transport_decodes_and_keeps_cookies():
    with _Server() as srv:
        req = RequestsTransport()
        first = req.send("GET", srv.url + "/x", {"a": "1"}, {"Accept-Encoding": "gzip"}, 5)
        second = req.send("GET", srv.url + "/x", {}, {"Accept-Encoding": "gzip"}, 5)
        req.close()
    assert first.body == second.body == BODY and first.url == srv.url + "/x?a=1"
    assert first.headers["content-type"] == "application/json"
    assert "Cookie" not in srv.seen[0] and srv.seen[1]["Cookie"] == "session=abc"


def test_plain_transport_does_not_keep_cookies():
    """Cookies are requests' job (the source picks requests for sessions that hold them)."""
    with _Server() as srv:
        plain = PlainTransport()
        assert plain.send("GET", srv.url + "/x", {}, {}, 5).body == BODY  # gzip asked for and decoded
        plain.send("GET", srv.url + "/x", {}, {}, 5)
    assert srv.seen[0]["Accept-Encoding"] == "gzip, deflate" and "Cookie" not in srv.seen[1]


def test_requests_transport_errors():
    with socket.socket() as hang:
        hang.bind(("127.0.0.1", 0))
        hang.listen(4)
        with pytest.raises(Timeout, match="no answer within 0.2 s"):
            RequestsTransport().send("GET", f"http://127.0.0.1:{hang.getsockname()[1]}/x", {}, {}, 0.2)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(TransportError) as err:
        RequestsTransport().send("GET", f"http://127.0.0.1:{port}/x", {}, {}, 2)
    assert err.value.reason == "connection refused"


def test_tls_to_a_plain_server_is_one_clear_line_without_retries(monkeypatch):
    monkeypatch.setenv("CAPACITY_BEARER_TOKEN", SECRET)
    with _Server() as srv:
        url = srv.url.replace("http://", "https://")
        src = PrometheusSource(url, cache=False, retries=3)
        assert isinstance(src.transport, RequestsTransport)
        with pytest.raises(ConnectionFailed) as err:
            src.fetch("up", T0, T2, pd.Timedelta("1m"))
    text = str(err.value)
    assert text.startswith(f"TLS error talking to {url}: ") and "CAPACITY_CA_BUNDLE" in text and "\n" not in text
    assert SECRET not in text and srv.seen == []  # the handshake failed: no request was read, none retried


def test_faults_in_front_of_the_requests_transport():
    """session= gives the requests transport; the test transport wraps it as it wraps plain http."""
    with _Server() as srv:
        session = requests.Session()
        faults = FaultTransport(RequestsTransport(session), [Reply(502), "hang", "pass"])
        src = PrometheusSource(srv.url, cache=False, transport=faults, timeout=0.3, retries=2, backoff=0.01)
        got = src.fetch("up", T0, T2, pd.Timedelta("1m"))
        src.close()
    assert faults.actions == ["502", "hang", "pass"] and got.frame["y"].tolist() == [1.0]
    assert len(srv.seen) == 1 and srv.seen[0]["User-Agent"].startswith("capacity/")
    with pytest.raises(ConfigError, match="session"):
        PrometheusSource(srv.url, transport=faults, session=session)


def test_error_answers_never_show_credentials(monkeypatch):
    monkeypatch.setenv("CAPACITY_BEARER_TOKEN", SECRET)
    for reply, error in ((Reply(401, body=b""), SourceError), (Reply(503, body=b""), RetriesExhausted)):
        faults = FaultTransport.around("http://127.0.0.1:9", [reply] * 3)
        src = PrometheusSource("http://127.0.0.1:9", cache=False, transport=faults, retries=1, backoff=0.01)
        with pytest.raises(error) as err:
            src.fetch("up", T0, T2, pd.Timedelta("1m"))
        assert faults.sent[0].headers["Authorization"] == f"Bearer {SECRET}"  # it was sent...
        assert SECRET not in str(err.value) and SECRET not in repr(err.value.context)  # ...and is never shown
    assert "HTTP 503 Service Unavailable" in str(err.value)


def test_unknown_fault_actions_are_refused():
    faults = FaultTransport(PlainTransport(), ["explode"])
    with pytest.raises(ValueError, match="unknown fault action 'explode'"):
        faults.send("GET", "http://127.0.0.1:9/x", {}, {}, 1)
