"""Which source a source string means: names and URL schemes -> source factories.

A source registers itself, in the module that defines it, with one call::

    from capacity.sources.registry import register

    register(PrometheusSource, kind="server", schemes=("http", "https"))
    register(_open_sample, kind="sample", names=("sample",))
    register(FileSource, kind="file", fallback=True)

A factory is called as ``factory(text, **options)`` (``text`` with its scheme
in lower case). Then :func:`resolve` turns ``"sample"``, ``"http://host:9090"``
or ``"data/cpu.csv"`` into a Source, and :func:`kind` says which kind a string
names without opening anything.

The built-in sources live in :data:`PROVIDERS`, modules imported only when a
lookup does not find its key yet (so resolving ``"sample"`` does not import the
Prometheus client, and nothing pandas-heavy is imported by the registry itself).

Rules, here and nowhere else:

* a registered name matches exactly (``"sample"``); a file of that name needs a
  path such as ``./sample``;
* ``scheme://...`` is a URL; schemes match case-insensitively (``HTTP://h`` is
  ``http://h``); an unregistered scheme is an error;
* anything else is a file path, opened by the fallback when the path exists.

Messages never echo URL credentials or query strings (see :func:`redact`).
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..core.errors import ConfigError
from .base import Source

__all__ = ["Kind", "Factory", "PROVIDERS", "register", "unregister", "kind", "resolve", "redact"]

#: what a source string names: the bundled history, a server to query, or a file to read
Kind = Literal["sample", "server", "file"]
#: ``factory(text, **options) -> Source``
Factory = Callable[..., Source]

#: modules that register the built-in sources when imported, in lookup order
PROVIDERS: tuple[str, ...] = ("capacity.sample", "capacity.sources.prometheus", "capacity.sources.files")

_SCHEME_RE = re.compile(r"^([^/]*)://")  # what stands before "://" when no "/" comes first
_VALID_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.-]*")  # RFC 3986
_USERINFO_RE = re.compile(r"^[^/@\s]*:\S*@")  # user:password@host typed without a scheme


@dataclass(frozen=True)
class _Entry:
    factory: Factory
    kind: Kind


_lock = threading.Lock()
_names: dict[str, _Entry] = {}
_schemes: dict[str, _Entry] = {}
_fallback: list[_Entry] = []  # at most one
_imported: set[str] = set()


def register(
    factory: Factory,
    *,
    kind: Kind,
    names: Iterable[str] = (),
    schemes: Iterable[str] = (),
    fallback: bool = False,
    replace: bool = False,
) -> None:
    """Make ``factory`` open the given ``names`` (exact) and URL ``schemes``
    (case-insensitive, without ``://``), and with ``fallback=True`` any existing path.

    Registering a key again with the same factory does nothing; with another
    factory it is a ValueError unless ``replace=True``.
    """
    if kind not in ("sample", "server", "file"):
        raise ValueError(f"register: kind must be 'sample', 'server' or 'file', got {kind!r}")
    entry = _Entry(factory, kind)
    name_keys = [str(n) for n in names]
    scheme_keys = [_scheme_key(s) for s in schemes]
    if not (name_keys or scheme_keys or fallback):
        raise ValueError("register: give names, schemes or fallback=True")
    for n in name_keys:
        if not n or "://" in n:
            raise ValueError(f"register: {n!r} is not a source name (names are plain words like 'sample')")
    with _lock:
        clashes = [f"name {n!r}" for n in name_keys if _taken(_names.get(n), entry, replace)]
        clashes += [f"scheme {s!r}" for s in scheme_keys if _taken(_schemes.get(s), entry, replace)]
        if fallback and _fallback and _taken(_fallback[0], entry, replace):
            clashes.append("the file fallback")
        if clashes:
            raise ValueError(
                f"register: {', '.join(clashes)} already registered to another factory (replace=True to override)"
            )
        for n in name_keys:
            _names[n] = entry
        for s in scheme_keys:
            _schemes[s] = entry
        if fallback:
            _fallback[:] = [entry]


def unregister(*, names: Iterable[str] = (), schemes: Iterable[str] = (), fallback: bool = False) -> None:
    """Forget registrations (tests undo theirs with it); unknown keys are ignored."""
    with _lock:
        for n in names:
            _names.pop(str(n), None)
        for s in schemes:
            _schemes.pop(_scheme_key(s), None)
        if fallback:
            _fallback.clear()


def kind(text: str | os.PathLike[str]) -> Kind:
    """What ``text`` names: ``"sample"`` (a registered name such as ``sample``),
    ``"server"`` (an ``http(s)://`` URL) or ``"file"`` (anything else: a path,
    which need not exist yet). Opens nothing; an unregistered URL scheme is a
    ConfigError (the one :func:`resolve` raises)."""
    return _lookup(os.fspath(text))[0].kind


def resolve(spec: str | os.PathLike[str] | Source = "sample", **options: Any) -> Source:
    """Turn ``"sample"``, an ``http(s)://`` URL or a file path into a Source.

    ``options`` go to the source's factory (for example ``cache=False`` or
    ``tz="Europe/Paris"``). A ready Source is returned as it is. A path that
    does not exist is a ConfigError naming it.
    """
    if not isinstance(spec, (str, os.PathLike)):
        if isinstance(spec, Source):
            return spec
        raise ConfigError(f"source: expected {_accepted()}, got {type(spec).__name__}", field="source")
    text = os.fspath(spec)
    entry, text = _lookup(text)
    if entry.kind == "file" and not Path(text).exists():
        shown = redact(text)
        raise ConfigError(f"source: {shown!r} is not {_accepted()}", field="source", file=shown)
    return entry.factory(text, **options)


def redact(text: str) -> str:
    """``text`` as it may appear in a message: user info (``user:password@``)
    replaced by ``***@``, query string and fragment dropped. Never raises.

    Errs on the side of hiding: everything up to the last ``@`` goes (a
    password may hold ``/``, ``?`` or ``#`` when it is not percent-encoded)."""
    m = _SCHEME_RE.match(text)
    if m is None:
        return "***@" + text.rpartition("@")[2] if _USERINFO_RE.match(text) else text
    rest = text[m.end() :]
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return f"{m.group(1)}://{re.split(r'[?#]', rest, maxsplit=1)[0]}"


# -- helpers ---------------------------------------------------------------------
def _scheme_key(scheme: str) -> str:
    key = str(scheme).lower().removesuffix("://")
    if not _VALID_SCHEME_RE.fullmatch(key):
        raise ValueError(f"register: {scheme!r} is not a URL scheme (letters, digits, + - .; like 'https')")
    return key


def _taken(old: _Entry | None, new: _Entry, replace: bool) -> bool:
    return old is not None and old != new and not replace


def _lookup(text: str) -> tuple[_Entry, str]:
    """The entry ``text`` selects, and ``text`` with its scheme in lower case."""
    m = _SCHEME_RE.match(text)
    if m is not None:
        scheme = m.group(1).lower()
        entry = _find(lambda: _schemes.get(scheme))
        if entry is None:
            known = " or ".join(f"{s}://" for s in _all(lambda: sorted(_schemes)))
            raise ConfigError(
                f"source: unsupported URL scheme {m.group(1)!r} in {redact(text)!r} (use {known or 'a file path'})",
                field="source",
            )
        return entry, scheme + text[len(scheme) :]
    entry = _find(lambda: _names.get(text)) or _find(lambda: _fallback[0] if _fallback else None)
    if entry is None:
        raise ConfigError(
            f"source: no source is registered for {redact(text)!r} and there is no file fallback", field="source"
        )
    return entry, text


def _find(get: Callable[[], _Entry | None]) -> _Entry | None:
    """``get()``, importing one more provider while it finds nothing and some are left."""
    while True:
        with _lock:
            hit = get()
        if hit is not None:
            return hit
        left = [p for p in PROVIDERS if p not in _imported]
        if not left:
            return None
        importlib.import_module(left[0])  # registers its sources (never under our lock: imports take their own)
        _imported.add(left[0])


def _all(get: Callable[[], list[str]]) -> list[str]:
    _find(lambda: None)  # every provider imported
    with _lock:
        return get()


def _accepted() -> str:
    """``'sample', an http(s):// URL, or an existing file``: what may be given, from the registrations."""
    names = _all(lambda: sorted(_names))
    schemes = _all(lambda: sorted(_schemes))
    merged = [s for s in schemes if not (s.endswith("s") and s[:-1] in schemes)]
    shown = [f"{s}(s)" if f"{s}s" in schemes else s for s in merged]
    parts = [repr(n) for n in names]
    if shown:
        url = " or ".join(f"{s}://" for s in shown)
        parts.append(f"{'an' if url[0] in 'aeiouh' else 'a'} {url} URL")
    with _lock:
        has_files = bool(_fallback)
    if has_files:
        parts.append("an existing file")
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + ", or " + parts[-1]
    return parts[0] if parts else "nothing (no source is registered)"
