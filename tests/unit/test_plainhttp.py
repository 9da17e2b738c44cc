"""The plain-http transport against a real loopback HTTP server with scripted behaviour:
connection reuse, a connection the server dropped while idle, chunked and truncated bodies,
compression, redirects (handed to requests), POST forms, timeouts."""

from __future__ import annotations

import gzip
import http.server
import socket
import threading
import zlib

import pandas as pd
import pytest

from capacity.core.errors import ConnectionFailed
from capacity.sources.prometheus._plainhttp import PlainTransport, decoded
from capacity.sources.prometheus._requests import RequestsTransport
from capacity.sources.prometheus.source import PrometheusSource
from capacity.sources.prometheus.transport import RedirectRefused, Timeout, TransportError, reason_of

BODY = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up"},"values":[[1788220800,"1"]]}]}}'  # noqa: E501 (a literal query / response body)


class Server:
    """``mode``: 'keep' (keep-alive), 'drop' (closes each connection after answering, without
    saying so), 'chunked' (body in 7-byte chunks), 'short' (announces more bytes than it sends),
    'gzip' (compresses when asked to), 'redirect' (302 to /moved/...). POSTs answer with the form they got."""

    def __init__(self, mode: str) -> None:
        self.mode, self.connections, self.requests, self.seen = mode, 0, 0, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                outer.connections += 1
                super().setup()

            def do_GET(self):  # noqa: N802
                outer.requests += 1
                outer.seen.append(dict(self.headers))
                if outer.mode == "redirect" and not self.path.startswith("/moved/"):
                    self.send_response(302)
                    self.send_header("Location", "/moved" + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if outer.mode == "gzip" and "gzip" in self.headers.get("Accept-Encoding", ""):
                    packed = gzip.compress(BODY)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(packed)))
                    self.end_headers()
                    self.wfile.write(packed)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if outer.mode == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(BODY), 7):
                        part = BODY[i : i + 7]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(BODY) + (50 if outer.mode == "short" else 0)))
                self.end_headers()
                self.wfile.write(BODY)
                if outer.mode in ("drop", "short"):
                    self.close_connection = True

            def do_POST(self):  # noqa: N802
                outer.requests += 1
                outer.seen.append(dict(self.headers))
                form = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Length", str(len(form)))
                self.end_headers()
                self.wfile.write(form)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(request):
    srv = Server(request.param)
    yield srv
    srv.close()


T0, T2 = pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T00:02Z")


def _url(server: Server, path: str = "/x") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


@pytest.mark.parametrize("server", ["keep"], indirect=True)
def test_connections_are_kept_alive(server):
    plain = PlainTransport(size=2)
    answers = [plain.send("GET", _url(server), {"a": str(i)}, {}, 5) for i in range(5)]
    assert all(a.status == 200 and a.body == BODY for a in answers)
    assert answers[3].url == _url(server) + "?a=3" and answers[0].headers["content-type"] == "application/json"
    assert server.requests == 5 and server.connections == 1 and plain.opened == 1 and plain.sent == 5
    plain.close()


@pytest.mark.parametrize("server", ["drop"], indirect=True)
def test_a_connection_dropped_while_idle_is_replaced_at_once(server):
    plain = PlainTransport(size=2)
    for _ in range(3):
        assert plain.send("GET", _url(server), {}, {}, 5).body == BODY
    assert server.requests == 3 and server.connections == 3 and plain.opened == 3
    plain.close()


@pytest.mark.parametrize("server", ["chunked"], indirect=True)
def test_chunked_bodies_are_whole(server):
    got = PlainTransport().send("GET", _url(server), {}, {}, 5)
    assert got.status == 200 and got.body == BODY


@pytest.mark.parametrize("server", ["keep"], indirect=True)
def test_post_sends_a_form(server):
    got = PlainTransport().send("POST", _url(server), {"query": "up", "step": "60"}, {"X-Scope-OrgID": "t"}, 5)
    assert got.body == b"query=up&step=60" and got.url == _url(server)
    assert (
        server.seen[0]["Content-Type"] == "application/x-www-form-urlencoded" and server.seen[0]["X-Scope-OrgID"] == "t"
    )


@pytest.mark.parametrize("server", ["short"], indirect=True)
def test_a_truncated_body_is_retried_then_reported(server):
    with pytest.raises(TransportError) as err:
        PlainTransport().send("GET", _url(server), {}, {}, 5)
    assert err.value.reason == "the answer was cut short"
    src = PrometheusSource(_url(server, ""), cache=False, retries=1, backoff=0.01)
    assert isinstance(src.transport, PlainTransport)
    with pytest.raises(ConnectionFailed) as cut:
        src.fetch("up", T0, T2, pd.Timedelta("1m"))
    assert "the answer was cut short (gave up after 2 attempts)" in str(cut.value) and "\n" not in str(cut.value)
    assert src.transport.sent == 2


def test_a_silent_server_times_out():
    with socket.socket() as hang:  # accepts connections (kernel backlog), never answers
        hang.bind(("127.0.0.1", 0))
        hang.listen(4)
        with pytest.raises(Timeout, match="no answer within 0.2 s"):
            PlainTransport().send("GET", f"http://127.0.0.1:{hang.getsockname()[1]}/x", {}, {}, 0.2)


def test_only_http_urls():
    with pytest.raises(ValueError, match="only to http://"):
        PlainTransport().send("GET", "https://127.0.0.1:9/x", {}, {}, 1)


@pytest.mark.parametrize("server", ["gzip"], indirect=True)
def test_a_remote_server_may_compress_and_is_decoded(server, monkeypatch):
    from capacity.sources.prometheus import _http

    monkeypatch.setattr(_http, "_LOOPBACK", ())  # as if the server were on another host: compression is asked for
    src = PrometheusSource(_url(server, ""), cache=False)
    got = src.fetch("up", T0, T2, pd.Timedelta("1m"))
    assert isinstance(src.transport, PlainTransport) and src.transport.sent == 1
    assert server.seen[0]["Accept-Encoding"] == "gzip, deflate"
    assert got.frame["y"].tolist() == [1.0]


@pytest.mark.parametrize("server", ["gzip"], indirect=True)
def test_loopback_is_asked_not_to_compress(server):
    src = PrometheusSource(_url(server, ""), cache=False)
    src.fetch("up", T0, T2, pd.Timedelta("1m"))
    assert server.seen[0]["Accept-Encoding"] == "identity" and server.seen[0]["User-Agent"].startswith("capacity/")


@pytest.mark.parametrize("server", ["redirect"], indirect=True)
def test_a_redirect_is_followed_by_requests(server):
    src = PrometheusSource(_url(server, ""), cache=False)
    assert isinstance(src.transport, PlainTransport) and src.transport.following is None
    got = src.fetch("up", T0, T2, pd.Timedelta("1m"))
    assert got.frame["y"].tolist() == [1.0]
    assert isinstance(src.transport.following, RequestsTransport)  # requests sends from then on (it follows redirects)
    assert server.requests == 3  # the plain GET, then requests' GET and its redirected GET
    src.fetch("up", T0, T2, pd.Timedelta("1m"))
    assert server.requests == 5 and src.transport.sent == 1


def test_content_encodings():
    assert decoded(gzip.compress(BODY), "gzip") == BODY and decoded(BODY, "") == BODY
    assert decoded(zlib.compress(BODY), "deflate") == BODY
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decoded(raw_deflate.compress(BODY) + raw_deflate.flush(), "deflate") == BODY
    with pytest.raises(TransportError) as err:
        decoded(BODY, "br")
    assert err.value.reason == "the answer came with Content-Encoding 'br', which was not asked for"
    with pytest.raises(TransportError, match="does not decompress"):
        decoded(gzip.compress(BODY)[:-9], "gzip")


def test_reasons_name_no_url():
    assert reason_of(ConnectionRefusedError(111, "Connection refused")) == "connection refused"
    assert reason_of(ValueError("http://user:pw@host/")) == "ValueError"


def test_a_redirect_to_another_server_is_refused_before_anything_is_sent_there():
    """Two real loopback servers: the first answers 302 to the second (another port = another origin).
    Nothing reaches the second (no token, API key or tenant header, no request at all); a same-origin
    redirect is followed with its headers."""
    there = Server("keep")
    here = Server("keep")
    here.mode = "redirect"

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", _url(there, "/api/v1/query_range"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    away = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=away.serve_forever, daemon=True).start()
    secret = {"Authorization": "Bearer s3cret", "X-Api-Key": "k3y", "X-Scope-OrgID": "team-a"}
    try:
        req = RequestsTransport()
        with pytest.raises(RedirectRefused) as err:
            req.send("GET", f"http://127.0.0.1:{away.server_address[1]}/x", {}, secret, 5)
        assert err.value.target == _url(there, "").rstrip("/") and there.requests == 0
        req.send("GET", _url(here, "/x"), {}, secret, 5)  # same origin (/x -> /moved/x): followed, kept
        assert here.seen[-1]["X-Api-Key"] == "k3y" and here.seen[-1]["Authorization"] == "Bearer s3cret"
        req.close()
    finally:
        away.shutdown()
        away.server_close()
        there.close()
        here.close()


def test_a_gzip_bomb_is_refused_before_it_is_in_memory():
    bomb = gzip.compress(b"\0" * (8 * 2**20))  # 8 MiB of zeros in ~8 KB
    with pytest.raises(TransportError, match="inflates past 1 MiB; refused"):
        decoded(bomb, "gzip", limit=2**20)
    assert len(decoded(bomb, "gzip")) == 8 * 2**20  # under the real limit it is whole
    with pytest.raises(TransportError, match="inflates past"):
        decoded(zlib.compress(b"\0" * (4 * 2**20)), "deflate", limit=2**20)


def test_a_body_that_trickles_ends_at_the_answer_deadline():
    """A real server sending its body a byte at a time, each within the read timeout: the answer's own
    deadline ends it (the per-read timeout never would)."""
    import time

    stop = threading.Event()

    class Trickle(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                if stop.is_set():
                    return
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        plain = PlainTransport(deadline=0.5)
        with pytest.raises(Timeout, match="did not complete within 0.5 s"):
            plain.send("GET", f"http://127.0.0.1:{srv.server_address[1]}/x", {}, {}, 5)
        plain.close()
    finally:
        stop.set()
        srv.shutdown()
        srv.server_close()
