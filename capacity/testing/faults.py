"""A transport for tests: faults a real server does not produce on demand, in front
of the real production transport.

    faults = FaultTransport.around(prometheus.url, [Reply(500), Reply(429, {"Retry-After": "0.2"})])
    src = PrometheusSource(prometheus.url, transport=faults, retries=3)

Each request takes the next action of ``script``, else what ``rule`` says for it,
else ``"pass"``. Everything that is not a canned :class:`Reply` goes through the
wrapped transport (for ``http://`` the plain-http one the source itself would use),
so a fault test exercises the production path for everything but the fault.

Actions:

- ``"pass"``: the real answer;
- ``"warn"``: the real answer with a warning added to its JSON;
- ``"truncate"``: the real answer with its body cut in half (a proxy that cut it short);
- ``"hang"``: the request is sent, through the wrapped transport, to a socket that
  accepts connections and never answers: the wrapped transport's own timeout fires;
- ``"refuse"``: sent to a port nobody listens on: the wrapped transport's refusal;
- a :class:`Reply`: that answer instead of the server's (500, 429 with Retry-After,
  a wrong shape: :data:`WRONG_SHAPE`).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..sources.prometheus._http import open_transport
from ..sources.prometheus.auth import from_env
from ..sources.prometheus.transport import Answer, Method, Transport

__all__ = ["Action", "FaultTransport", "Reply", "Rule", "Sent", "WRONG_SHAPE", "WARNING"]

ERROR_BODY = json.dumps({"status": "error", "errorType": "internal", "error": "injected fault"}).encode()
WARNING = "injected: remote store unavailable, results may be partial"


@dataclass(frozen=True)
class Reply:
    """A canned answer, sent instead of the server's."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = ERROR_BODY


#: a success answer whose data is not a matrix
WRONG_SHAPE = Reply(
    200, {"content-type": "application/json"}, b'{"status":"success","data":{"resultType":"vector","result":[]}}'
)

Action = str | Reply
#: the action for a request (url, params) once the script is spent; None: ``"pass"``
Rule = Callable[[str, Mapping[str, str]], Action | None]
_ACTIONS = frozenset(("pass", "warn", "truncate", "hang", "refuse"))


@dataclass(frozen=True)
class Sent:
    """One request as the transport got it, and the action taken."""

    action: str
    method: str
    url: str
    params: Mapping[str, str]
    headers: Mapping[str, str]


def _moved(url: str, port: int) -> str:
    """``url`` on 127.0.0.1:``port`` (same scheme and path)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, f"127.0.0.1:{port}", parts.path, parts.query, ""))


class FaultTransport:
    """A :class:`~capacity.sources.prometheus.transport.Transport` that injects the faults
    of ``script`` (then of ``rule``) in front of ``inner``. ``sent``: every request, in order."""

    def __init__(self, inner: Transport, script: Iterable[Action] = (), rule: Rule | None = None) -> None:
        self.inner = inner
        self.script = list(script)
        self.rule = rule
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._hang: socket.socket | None = None

    @classmethod
    def around(cls, url: str, script: Iterable[Action] = (), rule: Rule | None = None) -> FaultTransport:
        """Faults in front of the transport a source for ``url`` would pick itself."""
        return cls(open_transport(url, from_env()), script, rule)

    @property
    def actions(self) -> list[str]:
        return [s.action for s in self.sent]

    def _next(self, url: str, params: Mapping[str, str]) -> Action:
        if self.script:
            return self.script.pop(0)
        got = self.rule(url, params) if self.rule is not None else None
        return "pass" if got is None else got

    def _hanging_port(self) -> int:
        """A socket that accepts connections (kernel backlog) and never answers."""
        if self._hang is None:
            self._hang = socket.socket()
            self._hang.bind(("127.0.0.1", 0))
            self._hang.listen(64)
        return int(self._hang.getsockname()[1])

    def send(
        self, method: Method, url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float
    ) -> Answer:
        with self._lock:
            action = self._next(url, params)
            name = action if isinstance(action, str) else str(action.status)
            self.sent.append(Sent(name, method, url, dict(params), dict(headers)))
            if action == "hang":
                url = _moved(url, self._hanging_port())
        if isinstance(action, Reply):
            return Answer(
                action.status,
                {k.lower(): v for k, v in action.headers.items()},
                action.body,
                f"{url}?{urlencode(params)}",
            )
        if action not in _ACTIONS:
            raise ValueError(f"unknown fault action {action!r}; known: {', '.join(sorted(_ACTIONS))} or a Reply")
        if action == "refuse":
            with socket.socket() as probe:  # a port that was free a moment ago
                probe.bind(("127.0.0.1", 0))
                url = _moved(url, probe.getsockname()[1])
        answer = self.inner.send(method, url, params, headers, timeout)
        if action == "warn":
            body = json.loads(answer.body)
            body["warnings"] = [*body.get("warnings", []), WARNING]
            return Answer(answer.status, answer.headers, json.dumps(body).encode(), answer.url)
        if action == "truncate":
            return Answer(answer.status, answer.headers, answer.body[: len(answer.body) // 2], answer.url)
        return answer

    def close(self) -> None:
        self.inner.close()
        with self._lock:
            hang, self._hang = self._hang, None
        if hang is not None:
            hang.close()
