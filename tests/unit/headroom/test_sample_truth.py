"""The headroom of the bundled history against the generator's truth: its latency and CPU are built
from a queueing model with a known capacity (capacity.sample.generator.truth), which the fits must
recover from the series alone (within 10%, the issue's bar)."""

from __future__ import annotations

import pytest

import capacity
from capacity.app.headroom import headroom
from capacity.sample.generator import truth


@pytest.fixture(scope="module")
def result():
    return headroom(forecast=False)


def test_latency_max_rate_is_the_generators_within_10_percent(result) -> None:
    row = result.table.set_index("service").loc["api"]
    t = truth()
    assert row["latency_status"] == "ok"
    assert row["latency_max_rate"] == pytest.approx(t.latency_max_rate, rel=0.10)
    assert row["latency_max_rate_lo"] <= row["latency_max_rate"] <= row["latency_max_rate_hi"]


def test_cpu_max_rate_is_the_generators_within_10_percent(result) -> None:
    row = result.table.set_index("service").loc["api"]
    t = truth()
    assert row["cpu_max_rate"] == pytest.approx(t.cpu_max_rate, rel=0.10)
    assert row["limit"] == ("cpu" if t.cpu_max_rate < t.latency_max_rate else "latency")


def test_the_fitted_curve_follows_the_generators_p95_over_the_load_seen(result) -> None:
    f = result.fitted["api"]
    t = truth()
    for rate in (60.0, 120.0, 180.0, 220.0):
        assert f.latency_fit.predict(rate / 3)[0] == pytest.approx(t.p95(rate), rel=0.10), rate


def test_the_api_gives_the_same_table_as_the_use_case(result) -> None:
    got = capacity.headroom(forecast=False)
    cols = ["latency_max_rate", "cpu_max_rate", "usl_peak", "today_peak", "replicas_needed"]
    assert got.table[cols].equals(result.table[cols])
