"""capacity.sources.registry: which source a string names, and the optional capabilities of sources."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from capacity.core.errors import ConfigError
from capacity.sources import (
    FetchesMany,
    ListsSeries,
    Pulled,
    Request,
    Source,
    fetch_all,
    kind,
    register,
    resolve,
    series_of,
)
from capacity.sources.files import FileSource
from capacity.sources.registry import redact, unregister

T0 = pd.Timestamp("2026-01-01", tz="UTC")
MIN = pd.Timedelta(minutes=1)


@dataclass
class FakeSource:
    """A source a test registers: it records how it was opened and what it was asked."""

    text: str
    options: dict[str, Any] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    name: str = "fake"

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        return None

    def fetch(
        self, metric: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta, *, progress: Any = None
    ) -> Pulled:
        self.asked.append(f"fetch {metric}")
        return Pulled.empty()


def open_fake(text: str, **options: Any) -> FakeSource:
    return FakeSource(text, dict(options))


@pytest.fixture
def fake_scheme() -> Iterator[str]:
    register(open_fake, kind="server", schemes=("fake",))
    try:
        yield "fake"
    finally:
        unregister(schemes=("fake",))


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    p = tmp_path / "cpu.csv"
    p.write_text("timestamp,value\n2026-01-01 00:00:00,1.5\n2026-01-01 00:01:00,2.5\n", encoding="utf-8")
    return p


# -- kind ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,expected",
    [
        ("sample", "sample"),
        ("http://127.0.0.1:9090", "server"),
        ("https://prom.example.org/prometheus", "server"),
        ("HTTP://127.0.0.1:9090", "server"),
        ("hTTpS://prom.example.org", "server"),
        ("data/cpu.csv", "file"),
        ("does/not/exist.parquet", "file"),  # kind opens nothing: a path need not exist
        ("./sample", "file"),  # a file called sample needs a path
        ("Sample", "file"),  # names are exact; only schemes ignore case
        ("dir/a://b.csv", "file"),  # "://" after a "/" is part of a path
    ],
)
def test_kind(text: str, expected: str) -> None:
    assert kind(text) == expected


def test_kind_of_a_path_object(csv_file: Path) -> None:
    assert kind(csv_file) == "file"


def test_kind_of_an_unknown_scheme_is_the_resolve_error() -> None:
    with pytest.raises(ConfigError, match="unsupported URL scheme 'ftp'") as by_kind:
        kind("ftp://example.org/x")
    with pytest.raises(ConfigError) as by_resolve:
        resolve("ftp://example.org/x")
    assert str(by_kind.value) == str(by_resolve.value)


# -- resolve ------------------------------------------------------------------------
def test_sample_is_registered() -> None:
    from capacity.sample.source import SampleSource

    src = resolve("sample", cache=False)
    assert isinstance(src, SampleSource) and src.cache is False


def test_sample_resolves_in_a_fresh_process_without_importing_the_generator_first() -> None:
    code = (
        "import sys\n"
        "from capacity.sources import kind, resolve\n"
        "assert kind('sample') == 'sample'\n"
        "assert 'capacity.sample.generator' not in sys.modules, 'kind() imported the generator'\n"
        "assert 'capacity.sources.prometheus' not in sys.modules, 'kind(sample) imported the server client'\n"
        "src = resolve('sample')\n"
        "print(type(src).__module__, type(src).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["capacity.sample.source", "SampleSource"]


def test_http_schemes_are_case_insensitive() -> None:
    from capacity.sources.prometheus import PrometheusSource

    src = resolve("HTTP://127.0.0.1:9/prom/", cache=False)
    assert isinstance(src, PrometheusSource)
    assert src.name == "http://127.0.0.1:9/prom"


def test_the_factory_gets_the_scheme_in_lower_case_and_the_options(fake_scheme: str) -> None:
    src = resolve("FaKe://Host/Path", depth=3)
    assert isinstance(src, FakeSource)
    assert src.text == "fake://Host/Path"  # only the scheme changes case
    assert src.options == {"depth": 3}
    assert kind("FAKE://x") == "server"


def test_a_new_source_is_one_call() -> None:
    register(open_fake, kind="sample", names=("demo",))
    try:
        src = resolve("demo")
        assert isinstance(src, FakeSource) and src.text == "demo"
        assert kind("demo") == "sample"
        with pytest.raises(ConfigError, match="'demo', 'sample', an http\\(s\\):// URL, or an existing file"):
            resolve("no/such/file.csv")
    finally:
        unregister(names=("demo",))
    assert kind("demo") == "file"


def test_unknown_scheme_names_the_scheme_and_the_accepted_ones() -> None:
    with pytest.raises(ConfigError, match="unsupported URL scheme 'ftp'.*use http:// or https://") as err:
        resolve("ftp://example.org/x")
    assert err.value.field == "source"


def test_missing_file_error_names_the_file() -> None:
    with pytest.raises(ConfigError) as err:
        resolve("does/not/exist.csv")
    assert str(err.value) == "source: 'does/not/exist.csv' is not 'sample', an http(s):// URL, or an existing file"
    assert err.value.file == "does/not/exist.csv"


def test_an_existing_file_opens_as_a_file_source(csv_file: Path) -> None:
    src = resolve(str(csv_file), tz="UTC")
    assert isinstance(src, FileSource) and src.path == csv_file and src.tz == "UTC"
    assert isinstance(resolve(csv_file), FileSource)


def test_a_ready_source_is_returned_as_is_and_other_objects_are_refused() -> None:
    src = FakeSource("x")
    assert resolve(src) is src
    with pytest.raises(ConfigError, match="expected 'sample', an http\\(s\\):// URL, or an existing file, got int"):
        resolve(3)  # type: ignore[arg-type]  # the wrong type is the point of the test


# -- messages never echo credentials ------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "ftp://alice:s3cret@example.org/x?token=t0ken",
        "gopher://alice:s3cret@example.org",
        "alice:s3cret@example.org:9090",  # scheme forgotten
        "alice:s3/cret@example.org/x.csv",  # an unencoded / in the password
    ],
)
def test_messages_never_echo_credentials(text: str) -> None:
    with pytest.raises(ConfigError) as err:
        resolve(text)
    shown = str(err.value) + repr(err.value.context)
    assert "s3cret" not in shown and "s3/cret" not in shown and "t0ken" not in shown
    assert "example.org" in shown


def test_http_credentials_are_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigError) as err:
        resolve("http://alice:s3cret@127.0.0.1:9090", cache=False)
    assert "s3cret" not in str(err.value) and "alice" not in str(err.value)


@pytest.mark.parametrize(
    "text,shown",
    [
        ("http://127.0.0.1:9090/prom", "http://127.0.0.1:9090/prom"),
        ("https://u:p@host:443/a?x=1#f", "https://***@host:443/a"),
        ("https://u:p?#@host/a", "https://***@host/a"),
        ("HTTP://u@host", "HTTP://***@host"),
        ("u:p@host", "***@host"),
        ("data/me@home.csv", "data/me@home.csv"),  # a path, not user info
        ("", ""),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


# -- registration rules -------------------------------------------------------------
def test_a_taken_key_is_refused_unless_replaced(fake_scheme: str) -> None:
    register(open_fake, kind="server", schemes=("FAKE",))  # the same factory again: nothing happens

    def other(text: str, **options: Any) -> FakeSource:
        return FakeSource("other")

    with pytest.raises(ValueError, match="scheme 'fake' already registered"):
        register(other, kind="server", schemes=("fake",))
    assert isinstance(resolve("fake://x"), FakeSource) and resolve("fake://x").text == "fake://x"
    register(other, kind="server", schemes=("fake",), replace=True)
    assert resolve("fake://x").text == "other"


@pytest.mark.parametrize(
    "bad",
    [
        dict(kind="remote", schemes=("x1",)),  # not a kind
        dict(kind="server"),  # registers nothing
        dict(kind="server", schemes=("1x",)),  # not a scheme
        dict(kind="sample", names=("a://b",)),  # not a name
    ],
)
def test_bad_registrations_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        register(open_fake, **bad)


# -- capabilities -------------------------------------------------------------------
def test_series_of_lists_a_files_series(csv_file: Path) -> None:
    src = resolve(str(csv_file))
    assert isinstance(src, ListsSeries)
    assert series_of(src) == ["cpu"]


def test_series_of_is_none_for_sources_that_cannot_list() -> None:
    assert series_of(resolve("sample", cache=False)) is None
    assert series_of(FakeSource("x")) is None


def test_series_of_ignores_a_series_attribute_that_is_not_a_method() -> None:
    src = FakeSource("x")
    src.series = ("not", "callable")  # type: ignore[attr-defined]  # what getattr probing used to accept
    assert series_of(src) is None


@dataclass
class ManySource(FakeSource):
    def fetch_many(self, requests: Sequence[Request], *, progress: Any = None) -> list[Pulled]:
        self.asked.append(f"fetch_many {len(requests)}")
        return [Pulled.empty() for _ in requests]


def test_fetch_all_uses_fetch_many_where_offered() -> None:
    requests: list[Request] = [("a", T0, T0 + MIN, MIN), ("b", T0, T0 + MIN, MIN)]
    many = ManySource("x")
    assert isinstance(many, FetchesMany) and isinstance(many, Source)
    assert len(fetch_all(many, requests)) == 2
    assert many.asked == ["fetch_many 2"]
    one = FakeSource("x")
    assert not isinstance(one, FetchesMany)
    assert len(fetch_all(one, requests)) == 2
    assert one.asked == ["fetch a", "fetch b"]


def test_only_sources_that_list_series_claim_to() -> None:
    """``series_of`` is None for a server: a same-named method with other parameters is not the capability."""
    from capacity.sources import ListsSeries, series_of
    from capacity.sources.prometheus import PrometheusSource

    src = PrometheusSource("http://127.0.0.1:9", cache=False)
    assert not isinstance(src, ListsSeries) and series_of(src) is None
