"""Loopback HTTP servers that misbehave on purpose, for the hostile corpus.

A case's source URL is ``{srv}/BEHAVIOUR`` (or ``{other}/...``): the harness expands ``{srv}`` to
``http://127.0.0.1:PORT/c/CASE_ID``, so every request is logged under the case that sent it and
the server knows what to do from the segment after it. ``ok`` answers like a small Prometheus
(one series ``up{job="hostile"}`` equal to 1 at every step asked for); the other behaviours are
faults a real Prometheus does not produce on demand: reflected headers, redirects to another
port, gzip bombs, bodies that trickle, wrong JSON shapes, Retry-After, hostile label values.
"""

from __future__ import annotations

import gzip
import http.server
import json
import math
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Loopback", "Seen"]

_BOMB_SIZE = 600 * 2**20  # inflates past the client's 512 MiB cap


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    case: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    def text(self) -> str:
        return f"{self.method} {self.path} {self.headers} {self.body!r}"


@dataclass
class Loopback:
    """A threaded HTTP server on 127.0.0.1; ``url``, ``seen`` (every request), ``other`` (the URL of a
    second server that redirects point to, set by the harness)."""

    server: http.server.ThreadingHTTPServer
    seen: list[Seen] = field(default_factory=list)
    other: str = ""
    _counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @classmethod
    def start(cls) -> Loopback:
        holder: list[Loopback] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                holder[0]._handle(self, b"")

            def do_POST(self) -> None:  # noqa: N802
                size = int(self.headers.get("Content-Length") or 0)
                holder[0]._handle(self, self.rfile.read(size))

            def log_message(self, *args: object) -> None:
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        srv.daemon_threads = True
        lb = cls(srv)
        holder.append(lb)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return lb

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_of(self, case: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.case == case]

    def count(self, key: str) -> int:
        """How many times ``key`` was counted before (0 on the first call)."""
        with self._lock:
            n = self._counts.get(key, 0)
            self._counts[key] = n + 1
            return n

    # -- dispatch ------------------------------------------------------------------
    def _handle(self, h: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urlsplit(h.path)
        segs = parts.path.split("/")  # '', 'c', CASE, BEHAVIOUR, rest...
        case = segs[2] if len(segs) > 2 and segs[1] == "c" else ""
        behaviour = segs[3] if len(segs) > 3 else ""
        rest = "/" + "/".join(segs[4:])
        with self._lock:
            self.seen.append(Seen(case, h.command, h.path, dict(h.headers.items()), body))
        params = dict(parse_qsl(parts.query)) | dict(parse_qsl(body.decode("latin-1")))
        handler = BEHAVIOURS.get(behaviour.split("-")[0])
        try:
            if handler is None:
                _send(h, 404, b"404 page not found", "text/plain")
            else:
                handler(self, h, rest, params, f"/c/{case}/{behaviour}")
        except (BrokenPipeError, ConnectionResetError):
            pass


# -- answers --------------------------------------------------------------------
def _send(
    h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json", **hdr: str
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    for name, value in hdr.items():
        h.send_header(name.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _success(data: object, **extra: object) -> bytes:
    return json.dumps({"status": "success", "data": data, **extra}).encode()


def _grid(params: dict[str, str]) -> list[float]:
    start, end, step = float(params.get("start", 0)), float(params.get("end", 0)), float(params.get("step", 60))
    n = min(11_000, max(0, math.floor((end - start) / step) + 1)) if step > 0 else 0
    return [start + i * step for i in range(n)]


def _matrix(params: dict[str, str], metric: dict[str, str] | None = None, value: str = "1") -> object:
    values = [[t, value] for t in _grid(params)]
    return {
        "resultType": "matrix",
        "result": [{"metric": metric or {"__name__": "up", "job": "hostile"}, "values": values}],
    }


def ok(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """A small Prometheus: one series up{job="hostile"} = 1."""
    if rest == "/api/v1/query_range" and params.get("query", "").startswith("up"):
        _send(h, 200, _success(_matrix(params)))
    elif rest == "/api/v1/query_range":  # any other query: no series
        _send(h, 200, _success({"resultType": "matrix", "result": []}))
    elif rest == "/api/v1/query":
        _send(h, 200, _success({"resultType": "vector", "result": []}))
    elif rest == "/api/v1/label/__name__/values":
        _send(h, 200, _success(["up"]))
    elif rest == "/api/v1/series":
        _send(h, 200, _success([{"__name__": "up", "job": "hostile"}]))
    elif rest == "/api/v1/metadata":
        _send(h, 200, _success({"up": [{"type": "gauge", "help": "up", "unit": ""}]}))
    elif rest == "/api/v1/status/buildinfo":
        _send(h, 200, _success({"version": "2.42.0"}))
    else:
        _send(h, 404, b"404 page not found", "text/plain")


def _headers_text(h) -> str:
    return "; ".join(f"{k}: {v}" for k, v in h.headers.items())


def reflect(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """reflect-502 / reflect-400 / reflect-200: the request's headers in the body (a debug proxy)."""
    kind = base.rsplit("-", 1)[-1]
    status = int(kind) if kind.isdigit() else 502
    text = f"<html>upstream error; your request headers were: {_headers_text(h)}</html>"
    _send(h, status, text.encode(), "text/html")


def reflectjson(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """A Prometheus-shaped error (bad_data) whose message quotes the request's headers."""
    body = {"status": "error", "errorType": "bad_data", "error": f"cannot parse; headers: {_headers_text(h)}"}
    _send(h, 400, json.dumps(body).encode())


def reflectwarn(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """A success whose warnings quote the request's headers."""
    if rest != "/api/v1/query_range":
        return ok(lb, h, rest, params, base)
    data = _matrix(params) if params.get("query", "").startswith("up") else {"resultType": "matrix", "result": []}
    _send(h, 200, _success(data, warnings=[f"partial answer for {_headers_text(h)}"]))


def redirect(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """redirect-other: 307 to the same path on the other server (another origin); redirect-same: 307
    to ``ok`` on this server; redirect-loop: 307 to itself."""
    kind = base.rsplit("-", 1)[-1]
    query = urlsplit(h.path).query
    tail = rest + (f"?{query}" if query else "")
    case = base.split("/")[2]
    if kind == "other":
        where = f"{lb.other}/c/{case}/ok{tail}"
    elif kind == "same":
        where = f"/c/{case}/ok{tail}"
    else:
        where = f"{base}{tail}"
    _send(h, 307, b"", "text/plain", Location=where)


_bomb: list[bytes] = []
_bomb_lock = threading.Lock()


def _gzip_bomb() -> bytes:
    with _bomb_lock:
        if not _bomb:
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = b"\0" * 2**20
            parts = [z.compress(chunk) for _ in range(_BOMB_SIZE // 2**20)]
            _bomb.append(b"".join(parts) + z.flush())
        return _bomb[0]


def gzipbomb(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    _send(h, 200, _gzip_bomb(), Content_Encoding="gzip")


def gzipbad(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """Says gzip, sends a cut-off gzip stream."""
    _send(h, 200, gzip.compress(_success(_matrix(params)))[:-12], Content_Encoding="gzip")


def trickle(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """Announces a body of 1 MB and sends a byte every 0.5 s (each read is quick; the answer never ends)."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(2**20))
    h.end_headers()
    for _ in range(600):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.5)


def hang(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """Reads the request and never answers (for 5 minutes)."""
    time.sleep(300)


def retry(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """retry-N: 503 with Retry-After: N on the first request, then ``ok``."""
    wait = base.rsplit("-", 1)[-1]
    if lb.count(base) == 0:
        _send(h, 503, b"overloaded", "text/plain", Retry_After=wait)
    else:
        ok(lb, h, rest, params, base)


def busy(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """busy-N: always 503 with Retry-After: N (busy-date: an HTTP date in 2099)."""
    after = base.rsplit("-", 1)[-1]
    _send(
        h, 503, b"overloaded", "text/plain", Retry_After="Wed, 21 Oct 2099 07:28:00 GMT" if after == "date" else after
    )


def hugebody(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """A chunked body of 600 MiB of spaces (no Content-Length), sent as fast as the client reads."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    block = b" " * 2**20
    for _ in range(600):
        h.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
    h.wfile.write(b"0\r\n\r\n")


def hugelength(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """Announces a 20 GiB body, sends a little, then closes."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(20 * 2**30))
    h.end_headers()
    h.wfile.write(b"{}")
    h.close_connection = True


def status(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """status-NNN: that status with a short HTML body."""
    code = int(base.rsplit("-", 1)[-1])
    _send(h, code, f"<html><body>{code}</body></html>".encode(), "text/html", WWW_Authenticate='Bearer realm="x"')


_SHAPES: dict[str, bytes] = {
    "datalist": b'{"status":"success","data":[1,2,3]}',
    "resultdict": b'{"status":"success","data":{"resultType":"matrix","result":{"a":1}}}',
    "vector": b'{"status":"success","data":{"resultType":"vector","result":[]}}',
    "nostatus": b'{"data":{"resultType":"matrix","result":[]}}',
    "html": b"<!doctype html><html><body>Please log in</body></html>",
    "empty": b"",
    "binary": b"\x00\xff\xfe\x89PNG\r\n\x1a\n",
    "truncjson": b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,',
    "valuesnotlist": b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":"x"}]}}',
    "pointgarbage": b'{"status":"success","data":{"resultType":"matrix",'
    b'"result":[{"metric":{},"values":[["x","y"]]}]}}',
    "metricnotdict": b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":[1],"values":[]}]}}',
    "hugetime": b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1e300,"1"]]}]}}',
    "nulls": b'{"status":"success","data":null}',
    "deepjson": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
}


def shape(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """shape-NAME: a 200 answer of a wrong shape (``_SHAPES``) to range queries."""
    if rest != "/api/v1/query_range":
        return ok(lb, h, rest, params, base)
    name = base.rsplit("-", 1)[-1]
    _send(h, 200, _SHAPES[name], "text/html" if name == "html" else "application/json")


def values(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """values-KIND: special sample values (nan, inf, text) or hostile label values (ansi)."""
    if rest != "/api/v1/query_range":
        return ok(lb, h, rest, params, base)
    kind = base.rsplit("-", 1)[-1]
    if kind == "ansi":
        metric = {"__name__": "up", "job": "\x1b[2J\x1b[31mred\nsecond line\r\x07", "zero": "a\x00b"}
        _send(h, 200, _success(_matrix(params, metric)))
        return
    pick = {"nan": "NaN", "inf": "+Inf", "text": "abc"}[kind]
    _send(h, 200, _success(_matrix(params, value=pick)))


def rawline(lb: Loopback, h, rest: str, params: dict[str, str], base: str) -> None:
    """rawline-KIND: a broken HTTP answer written by hand (a bad status line, a 100 kB header)."""
    kind = base.rsplit("-", 1)[-1]
    if kind == "status":
        h.wfile.write(b"HTTP/1.1 abc oops\r\n\r\n")
    elif kind == "header":
        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\nContent-Length: 0\r\n\r\n")
    elif kind == "close":
        pass  # close without a word
    h.wfile.flush()
    h.close_connection = True


Behaviour = Callable[[Loopback, http.server.BaseHTTPRequestHandler, str, dict[str, str], str], None]
BEHAVIOURS: dict[str, Behaviour] = {
    "ok": ok,
    "reflect": reflect,
    "reflectjson": reflectjson,
    "reflectwarn": reflectwarn,
    "redirect": redirect,
    "gzipbomb": gzipbomb,
    "gzipbad": gzipbad,
    "trickle": trickle,
    "hang": hang,
    "retry": retry,
    "busy": busy,
    "hugebody": hugebody,
    "hugelength": hugelength,
    "status": status,
    "shape": shape,
    "values": values,
    "rawline": rawline,
}
