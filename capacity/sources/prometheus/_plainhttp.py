"""Keep-alive ``http://`` connections from the standard library, for the pull's GETs.

A pull is hundreds of GETs of a few hundred kilobytes each; ``http.client``
alone costs about half the CPU of requests + urllib3 per request, and the pull
shares two cores with the server it reads. :class:`~capacity.sources._http.Transport`
uses this for plain-http GETs of its own session (no proxy, no cookies, static
credentials); everything else goes through requests.
"""
from __future__ import annotations

import http.client
import threading
from collections.abc import Mapping

__all__ = ["PlainPool", "Answer"]


class Answer:
    """Status, reason, headers and the whole body of one answer."""

    __slots__ = ("status", "reason", "headers", "body")

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.reason, self.headers, self.body = status, reason, headers, body


class PlainPool:
    """Idle keep-alive connections to one ``host:port`` (at most ``size`` kept)."""

    def __init__(self, host: str, port: int, *, timeout: float, size: int) -> None:
        self.host, self.port, self.timeout, self.size = host, port, timeout, size
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout), False

    def _give(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(conn)
                return
        conn.close()

    def get(self, target: str, headers: Mapping[str, str]) -> Answer:
        """GET ``target`` (path and query string). A kept-alive connection the server has
        closed meanwhile is replaced once, at once; other failures raise ``OSError`` or
        ``http.client.HTTPException`` (timeouts: ``TimeoutError``)."""
        while True:
            conn, reused = self._take()
            try:
                conn.request("GET", target, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if reused:  # went stale while idle: GET is safe to send again
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if resp.will_close:
                conn.close()
            else:
                self._give(conn)
            return Answer(resp.status, resp.reason, resp.getheaders(), body)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
