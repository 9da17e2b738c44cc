"""Credentials for Prometheus-API servers, read ONLY from the environment or files.

=================================  ===================================================
``CAPACITY_BEARER_TOKEN``          bearer token (or ``CAPACITY_BEARER_TOKEN_FILE``: a
                                   file holding it, re-read on each new source)
``CAPACITY_BASIC_AUTH_USER``       basic-auth user, with ``CAPACITY_BASIC_AUTH_PASSWORD``
                                   or ``CAPACITY_BASIC_AUTH_PASSWORD_FILE``
``CAPACITY_CA_BUNDLE``             path of a CA bundle (PEM) to verify TLS with
``CAPACITY_TLS_VERIFY``            ``false`` to switch TLS verification off
``CAPACITY_HEADERS``               extra headers, ``Name: value; Other: value``
                                   (``X-Scope-OrgID: tenant1`` for Mimir/Thanos tenants)
=================================  ===================================================

Never from command-line arguments or notebook parameters. Secrets never
appear in ``repr()``, error messages, cache files or cache keys.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from ...core.errors import ConfigError

__all__ = [
    "BearerAuth",
    "BasicAuth",
    "Credentials",
    "auth_headers",
    "from_env",
    "public_url",
    "secret_values",
    "TENANT_HEADERS",
]

#: headers that select a tenant (they change what data a server returns, so they key the cache)
TENANT_HEADERS = ("x-scope-orgid", "thanos-tenant")
_FALSE = {"0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on", ""}


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>``; the token never shows in repr."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"


class BasicAuth(HTTPBasicAuth):
    """HTTP basic auth whose repr hides the password."""

    def __repr__(self) -> str:
        return f"BasicAuth(user={self.username!r}, password=***)"


@dataclass(frozen=True)
class Credentials:
    """What to add to each request: auth, TLS verification and extra headers."""

    auth: AuthBase | None = field(default=None, repr=False)
    verify: bool | str = True
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def tenant(self) -> str:
        """Tenant header values (not secrets) that must key a cache, else ''."""
        hits = sorted(f"{k.lower()}={v}" for k, v in self.headers.items() if k.lower() in TENANT_HEADERS)
        return ";".join(hits)

    def __repr__(self) -> str:
        kind = type(self.auth).__name__ if self.auth is not None else "none"
        return f"Credentials(auth={kind}, verify={self.verify!r}, headers=[{', '.join(sorted(self.headers))}])"


def auth_headers(auth: AuthBase | None) -> dict[str, str] | None:
    """The headers that ``auth`` adds to every request, when it adds the same ones each
    time (none, :class:`BearerAuth`, :class:`BasicAuth`); None for other auth objects,
    which requests must apply to each request (they may sign it, or answer challenges)."""
    if auth is None:
        return {}
    if type(auth) not in (BearerAuth, BasicAuth):  # exact types: a subclass may sign each request
        return None
    prepared = auth(requests.Request("GET", "http://localhost/").prepare())
    return {"Authorization": str(prepared.headers["Authorization"])}


def _read_secret(env: Mapping[str, str], name: str) -> str | None:
    """``NAME`` or the content of the file named by ``NAME_FILE`` (stripped)."""
    value = env.get(name)
    path = env.get(f"{name}_FILE")
    if value and path:
        raise ConfigError(f"set only one of {name} and {name}_FILE", field=name)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{name}_FILE: {path} is not UTF-8 text (byte {exc.start})", field=f"{name}_FILE", file=path
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"{name}_FILE: cannot read {path}: {exc.strerror}", field=f"{name}_FILE", file=path
            ) from None
        if not text:
            raise ConfigError(f"{name}_FILE: {path} is empty", field=f"{name}_FILE", file=path)
        return text
    return value or None


def _header_safe(name: str, value: str | None) -> str | None:
    """``value`` without surrounding whitespace (a pasted token often ends in a newline), or a ConfigError
    naming ``name``, never the value, when a character cannot go into an HTTP header: requests would
    otherwise raise with the whole header, secret included, in its message."""
    if value is None:
        return None
    value = value.strip()
    for c in value:
        if ord(c) < 32 or ord(c) == 127:
            raise ConfigError(f"{name}: holds a control character (value not shown)", field=name)
        if ord(c) > 255:
            raise ConfigError(
                f"{name}: holds a character HTTP headers cannot carry (not Latin-1; value not shown)", field=name
            )
    return value or None


def _parse_headers(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(p for p in text.split(";") if p.strip()):
        name, sep, value = item.partition(":")
        name = name.strip()
        if not sep or not name or any(c.isspace() for c in name):
            # the value may be a secret: name the position, never echo the text
            raise ConfigError(
                f"CAPACITY_HEADERS: item {i + 1} is not 'Name: value' (items are separated by ';')",
                field="CAPACITY_HEADERS",
            )
        out[name] = _header_safe(f"CAPACITY_HEADERS: {name}", value) or ""
    return out


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """Every secret the environment configures, longest first, for blanking out of text: the token
    and password (from the variables or their files, raw and stripped, plus the basic-auth header
    value) and the values of ``CAPACITY_HEADERS``. Never raises: an unreadable file adds nothing."""
    env = os.environ if env is None else env
    found: set[str] = set()
    for name in ("CAPACITY_BEARER_TOKEN", "CAPACITY_BASIC_AUTH_PASSWORD"):
        raw = [env.get(name, "")]
        path = env.get(f"{name}_FILE")
        if path:
            try:
                with open(path, "rb") as fh:
                    raw.append(fh.read(64 * 1024).decode("utf-8", "replace"))
            except OSError:
                pass
        found.update(x for value in raw for x in (value, value.strip()))
    for item in env.get("CAPACITY_HEADERS", "").split(";"):
        found.add(item.partition(":")[2].strip())
    with contextlib.suppress(Exception):
        header = auth_headers(from_env(env).auth) or {}
        found.update(v.partition(" ")[2] for v in header.values())
    return sorted((x for x in found if len(x) >= 4), key=len, reverse=True)


def from_env(env: Mapping[str, str] | None = None) -> Credentials:
    """Read credentials from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    token = _header_safe("CAPACITY_BEARER_TOKEN", _read_secret(env, "CAPACITY_BEARER_TOKEN"))
    user = _header_safe("CAPACITY_BASIC_AUTH_USER", env.get("CAPACITY_BASIC_AUTH_USER"))
    password = _header_safe("CAPACITY_BASIC_AUTH_PASSWORD", _read_secret(env, "CAPACITY_BASIC_AUTH_PASSWORD"))
    if token and (user or password):
        raise ConfigError("set either a bearer token or basic auth, not both", field="CAPACITY_BEARER_TOKEN")
    if password and not user:
        raise ConfigError(
            "CAPACITY_BASIC_AUTH_PASSWORD is set but CAPACITY_BASIC_AUTH_USER is not", field="CAPACITY_BASIC_AUTH_USER"
        )
    auth: AuthBase | None = BearerAuth(token) if token else (BasicAuth(user, password or "") if user else None)
    verify: bool | str = True
    flag = env.get("CAPACITY_TLS_VERIFY")
    if flag is not None:
        low = flag.strip().lower()
        if low not in _FALSE | _TRUE:
            raise ConfigError(f"CAPACITY_TLS_VERIFY: expected true or false, got {flag!r}", field="CAPACITY_TLS_VERIFY")
        verify = low not in _FALSE
    bundle = env.get("CAPACITY_CA_BUNDLE")
    if bundle:
        if not Path(bundle).is_file():
            raise ConfigError(f"CAPACITY_CA_BUNDLE: no such file {bundle}", field="CAPACITY_CA_BUNDLE", file=bundle)
        if verify is False:
            raise ConfigError("CAPACITY_CA_BUNDLE is set but CAPACITY_TLS_VERIFY=false", field="CAPACITY_TLS_VERIFY")
        verify = bundle
    headers = _parse_headers(env.get("CAPACITY_HEADERS", ""))
    return Credentials(auth, verify, headers)


def public_url(url: str) -> str:
    """The server URL as it may be shown and cached: ``scheme://host[:port]/path``.

    Raises ConfigError (without echoing secrets) if the URL carries user
    info or a query string: credentials belong in the environment.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError("source URL must start with http:// or https://", field="source")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:  # the URL itself is not shown: it may carry a password
        raise ConfigError(f"source URL is not a valid URL ({exc})", field="source") from None
    host = parts.hostname or ""
    if not host:
        raise ConfigError("source URL has no host", field="source")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"source URL {clean} must not carry credentials (user:password@): "
            "use CAPACITY_BASIC_AUTH_USER/CAPACITY_BASIC_AUTH_PASSWORD or CAPACITY_BEARER_TOKEN",
            field="source",
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"source URL {clean} must not carry a query string or fragment: "
            "put credentials in CAPACITY_BEARER_TOKEN / CAPACITY_BASIC_AUTH_* and tenants in CAPACITY_HEADERS",
            field="source",
        )
    return clean
