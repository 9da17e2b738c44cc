"""Safe construction and parsing of PromQL instant-vector selectors.

Build selectors from user input with :func:`selector` (never by string
concatenation); read a plain selector back with :func:`parse_selector`.

    >>> selector("http_requests_total", {"handler": "/api", "status": '5"xx'})
    'http_requests_total{handler="/api",status="5\\\\"xx"}'
    >>> parse_selector('up{job="api"}').matches({"__name__": "up", "job": "api"})
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..core.errors import ConfigError, PromQLSyntaxError

__all__ = ["OPS", "Matcher", "Selector", "quote", "selector", "parse_selector", "is_metric_name", "is_label_name"]

METRIC_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
OPS = ("=", "!=", "=~", "!~")


def is_metric_name(name: str) -> bool:
    return isinstance(name, str) and METRIC_NAME_RE.fullmatch(name) is not None


def is_label_name(name: str) -> bool:
    return isinstance(name, str) and LABEL_NAME_RE.fullmatch(name) is not None


def quote(value: str) -> str:
    """A PromQL double-quoted string literal (``\\``, ``"`` and newline escaped)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"invalid regular expression {pattern!r}: {exc}", field="value", value=pattern) from exc


@dataclass(frozen=True)
class Matcher:
    """One label matcher: ``label op "value"`` with op in ``= != =~ !~``."""

    label: str
    op: str
    value: str

    def __post_init__(self) -> None:
        if not is_label_name(self.label):
            raise ConfigError(
                f"invalid label name {self.label!r} (must match [a-zA-Z_][a-zA-Z0-9_]*)",
                field="label",
                label=self.label,
            )
        if self.op not in OPS:
            raise ConfigError(
                f"invalid matcher operator {self.op!r} for label {self.label!r} (use = != =~ !~)", field="op"
            )
        if not isinstance(self.value, str):
            raise ConfigError(
                f"matcher value for label {self.label!r} must be a string, got {type(self.value).__name__}",
                field=self.label,
            )
        if self.op in ("=~", "!~"):
            _compile(self.value)

    def matches(self, value: str | None) -> bool:
        """Whether a label value satisfies this matcher (a missing label is the empty string).

        Regular expressions are anchored on both ends, as in Prometheus.
        """
        v = "" if value is None else str(value)
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        hit = _compile(self.value).fullmatch(v) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f"{self.label}{self.op}{quote(self.value)}"


@dataclass(frozen=True)
class Selector:
    """A plain instant-vector selector: optional metric name plus matchers."""

    metric: str | None
    matchers: tuple[Matcher, ...] = ()

    def __post_init__(self) -> None:
        if self.metric is not None and not is_metric_name(self.metric):
            raise ConfigError(
                f"invalid metric name {self.metric!r} (must match [a-zA-Z_:][a-zA-Z0-9_:]*)",
                field="metric",
                metric=self.metric,
            )
        object.__setattr__(self, "matchers", tuple(self.matchers))

    @property
    def name(self) -> str | None:
        """The metric name selected: ``metric``, or the value of an ``__name__="x"`` matcher."""
        if self.metric is not None:
            return self.metric
        for m in self.matchers:
            if m.label == "__name__" and m.op == "=":
                return m.value
        return None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a series with these labels (``__name__`` for the metric name) is selected."""
        if self.metric is not None and labels.get("__name__") != self.metric:
            return False
        return all(m.matches(labels.get(m.label)) for m in self.matchers)

    def __str__(self) -> str:
        return selector(self.metric, self.matchers)


def _as_matchers(matchers: Mapping[str, str] | Iterable[Matcher]) -> tuple[Matcher, ...]:
    if isinstance(matchers, Mapping):
        return tuple(Matcher(str(k), "=", str(v)) for k, v in matchers.items())
    out = []
    for m in matchers:
        if not isinstance(m, Matcher):
            raise ConfigError(
                f"selector matchers must be Matcher objects or a mapping, got {type(m).__name__}", field="matchers"
            )
        out.append(m)
    return tuple(out)


def selector(metric: str | None, matchers: Mapping[str, str] | Iterable[Matcher] = ()) -> str:
    """Build ``name{a="x",b=~"y"}`` with names validated and values escaped.

    A mapping gives equality matchers; an iterable of :class:`Matcher` any kind.
    """
    if metric is not None and not is_metric_name(metric):
        raise ConfigError(
            f"invalid metric name {metric!r} (must match [a-zA-Z_:][a-zA-Z0-9_:]*)", field="metric", metric=metric
        )
    ms = _as_matchers(matchers)
    if metric is None and not ms:
        raise ConfigError("a selector needs a metric name or at least one matcher", field="metric")
    inner = ",".join(str(m) for m in ms)
    name = metric or ""
    return f"{name}{{{inner}}}" if ms else name


# --------------------------------------------------------------------------- parsing

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}


def _read_string(text: str, pos: int) -> tuple[str, int]:
    """Read a quoted string starting at ``text[pos]``; return (value, position after it)."""
    q = text[pos]
    i = pos + 1
    if q == "`":
        j = text.find("`", i)
        if j < 0:
            raise PromQLSyntaxError(f"unterminated quoted string in selector {text!r}", query=text)
        return text[i:j], j + 1
    out: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if c == q:
            return "".join(out), i + 1
        if c == "\n":
            break
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            break
        e = text[i + 1]
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = text[i + 2 : i + 2 + width]
            if len(digits) != width or not re.fullmatch(r"[0-9a-fA-F]+", digits):
                raise PromQLSyntaxError(f"invalid escape \\{e}{digits} in selector {text!r}", query=text)
            out.append(chr(int(digits, 16)))
            i += 2 + width
        elif e in "01234567":
            digits = text[i + 1 : i + 4]
            if not re.fullmatch(r"[0-7]{3}", digits):
                raise PromQLSyntaxError(f"invalid octal escape \\{digits} in selector {text!r}", query=text)
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise PromQLSyntaxError(f"unknown escape sequence \\{e} in selector {text!r}", query=text)
    raise PromQLSyntaxError(f"unterminated quoted string in selector {text!r}", query=text)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _parse_matchers(text: str, pos: int) -> tuple[list[Matcher], int]:
    """Parse from just after ``{``; return matchers and the position after ``}``."""
    out: list[Matcher] = []
    n = len(text)
    while True:
        pos = _skip_ws(text, pos)
        if pos >= n:
            raise PromQLSyntaxError(f"unclosed '{{' in selector {text!r}", query=text)
        if text[pos] == "}":
            return out, pos + 1
        m = LABEL_NAME_RE.match(text, pos)
        if not m:
            raise PromQLSyntaxError(f"expected a label name at position {pos} in selector {text!r}", query=text)
        label = m.group(0)
        pos = _skip_ws(text, m.end())
        op = next((o for o in ("=~", "!~", "!=", "=") if text.startswith(o, pos)), None)
        if op is None:
            raise PromQLSyntaxError(f"expected = != =~ !~ after label {label!r} in selector {text!r}", query=text)
        pos = _skip_ws(text, pos + len(op))
        if pos >= n or text[pos] not in "\"'`":
            raise PromQLSyntaxError(f"expected a quoted value for label {label!r} in selector {text!r}", query=text)
        value, pos = _read_string(text, pos)
        try:
            out.append(Matcher(label, op, value))
        except ConfigError as exc:
            raise PromQLSyntaxError(f"{exc} in selector {text!r}", query=text) from exc
        pos = _skip_ws(text, pos)
        if pos < n and text[pos] == ",":
            pos += 1
            continue
        if pos < n and text[pos] == "}":
            return out, pos + 1
        if pos >= n:
            raise PromQLSyntaxError(f"unclosed '{{' in selector {text!r}", query=text)
        raise PromQLSyntaxError(f"expected ',' or '}}' at position {pos} in selector {text!r}", query=text)


def parse_selector(text: str) -> Selector | None:
    """Parse a plain instant-vector selector (``name``, ``name{...}``, ``{__name__="x",...}``).

    Returns None when ``text`` is a more complex PromQL expression (function
    call, operator, range, offset, number...). Raises PromQLSyntaxError (a
    ConfigError) naming the text for a malformed selector (unclosed brace or
    quote, bad matcher).
    """
    if not isinstance(text, str):
        return None
    n = len(text)
    pos = _skip_ws(text, 0)
    metric: str | None = None
    m = METRIC_NAME_RE.match(text, pos)
    if m:
        metric = m.group(0)
        pos = _skip_ws(text, m.end())
        if pos >= n:
            return Selector(metric, ())
        if text[pos] != "{":
            return None  # call, operator, range, offset, ...
    elif pos >= n or text[pos] != "{":
        return None
    matchers, pos = _parse_matchers(text, pos + 1)
    if _skip_ws(text, pos) < n:
        return None  # a range, offset, operator ... follows
    if metric is None and not any(not mt.matches("") for mt in matchers):
        raise PromQLSyntaxError(
            f"selector {text!r} must contain at least one matcher that does not match the empty string", query=text
        )
    if metric is not None and any(mt.label == "__name__" for mt in matchers):
        raise PromQLSyntaxError(f"selector {text!r} sets the metric name twice", query=text)
    return Selector(metric, tuple(matchers))
