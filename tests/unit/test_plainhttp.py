"""The plain-http keep-alive pool against a real loopback HTTP server with scripted behaviour:
connection reuse, a connection the server dropped while idle, chunked and truncated bodies."""
from __future__ import annotations

import gzip
import http.client
import http.server
import threading

import pandas as pd
import pytest

from capacity.core.errors import ConnectionFailed
from capacity.sources.prometheus._plainhttp import PlainPool
from capacity.sources.prometheus.source import PrometheusSource

BODY = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up"},"values":[[1788220800,"1"]]}]}}'


class Server:
    """``mode``: 'keep' (keep-alive), 'drop' (closes each connection after answering, without
    saying so), 'chunked' (body in 7-byte chunks), 'short' (announces more bytes than it sends),
    'gzip' (compresses when asked to), 'redirect' (302 to /moved/...)."""

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


@pytest.mark.parametrize("server", ["keep"], indirect=True)
def test_connections_are_kept_alive(server):
    pool = PlainPool("127.0.0.1", server.port, timeout=5, size=2)
    assert all(pool.get("/x?a=1", {}).body == BODY for _ in range(5))
    assert server.requests == 5 and server.connections == 1
    pool.close()


@pytest.mark.parametrize("server", ["drop"], indirect=True)
def test_a_connection_dropped_while_idle_is_replaced_at_once(server):
    pool = PlainPool("127.0.0.1", server.port, timeout=5, size=2)
    for _ in range(3):
        assert pool.get("/x", {}).body == BODY
    assert server.requests == 3 and server.connections == 3
    pool.close()


@pytest.mark.parametrize("server", ["chunked"], indirect=True)
def test_chunked_bodies_are_whole(server):
    got = PlainPool("127.0.0.1", server.port, timeout=5, size=2).get("/x", {})
    assert got.status == 200 and got.body == BODY


@pytest.mark.parametrize("server", ["short"], indirect=True)
def test_a_truncated_body_is_retried_then_reported(server):
    with pytest.raises(http.client.IncompleteRead):
        PlainPool("127.0.0.1", server.port, timeout=5, size=2).get("/x", {})
    src = PrometheusSource(f"http://127.0.0.1:{server.port}", cache=False, retries=1, backoff=0.01)
    assert src.transport._direct
    with pytest.raises(ConnectionFailed) as err:
        src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T00:02Z"), pd.Timedelta("1m"))
    assert "the answer was cut short (gave up after 2 attempts)" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("server", ["gzip"], indirect=True)
def test_a_remote_server_may_compress_and_is_decoded(server, monkeypatch):
    from capacity.sources.prometheus import _http

    monkeypatch.setattr(_http, "_LOOPBACK", ())  # as if the server were on another host: compression is asked for
    src = PrometheusSource(f"http://127.0.0.1:{server.port}", cache=False)
    got = src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T00:02Z"), pd.Timedelta("1m"))
    assert src.transport._direct and server.seen[0]["Accept-Encoding"] == "gzip"
    assert got.frame["y"].tolist() == [1.0]


@pytest.mark.parametrize("server", ["redirect"], indirect=True)
def test_a_redirect_is_followed_by_requests(server):
    src = PrometheusSource(f"http://127.0.0.1:{server.port}", cache=False)
    got = src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T00:02Z"), pd.Timedelta("1m"))
    assert got.frame["y"].tolist() == [1.0]
    assert not src.transport._direct  # requests sends from then on (it follows redirects)
    assert server.requests == 3  # the direct GET, then requests' GET and its redirected GET


def test_content_encodings():
    from capacity.sources.prometheus._http import _conn_reason, _decoded

    assert _decoded(gzip.compress(BODY), "gzip") == BODY and _decoded(BODY, "") == BODY
    import zlib

    assert _decoded(zlib.compress(BODY), "deflate") == BODY
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert _decoded(raw_deflate.compress(BODY) + raw_deflate.flush(), "deflate") == BODY
    with pytest.raises(http.client.HTTPException) as err:
        _decoded(BODY, "br")
    assert _conn_reason(err.value) == "the answer came with Content-Encoding 'br', which was not asked for"
    with pytest.raises(http.client.HTTPException, match="does not decompress"):
        _decoded(gzip.compress(BODY)[:-9], "gzip")
