"""The services spec (validated once, errors naming the field), refusals with reasons, and the
answers built from a fit and a forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import lognorm

from capacity.core.errors import ConfigError
from capacity.loadmodels import Series, WhatIf, default_services, fit_service, parse_services
from capacity.loadmodels.answers import answer, breaks

LE = np.array([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, np.inf])


def test_default_services_are_the_runbooks() -> None:
    (api,) = default_services()
    assert api.name == "api" and api.replicas == 3
    assert api.objective.quantile == 0.95 and api.objective.latency == 0.5
    assert api.cpu_range == (0.30, 0.60)
    assert api.objective.text == "p95 < 500 ms"


@pytest.mark.parametrize(
    "raw,field,words",
    [
        ({"latency_buckets": "x"}, "services.web.throughput", "missing"),
        ({"throughput": "r", "colour": 1}, "services.web.colour", "unknown setting"),
        ({"throughput": "r", "replicas": 0}, "services.web.replicas", "above 0"),
        ({"throughput": "r", "workers": 1.5}, "services.web.workers", "whole number"),
        ({"throughput": "r", "objective": {"quantile": 1}}, "services.web.objective.quantile", "below 1"),
        ({"throughput": "r", "objective": {"p": 1}}, "services.web.objective", "quantile"),
        ({"throughput": "r", "cpu_range": [0.7, 0.6]}, "services.web.cpu_range", "not below"),
        ({"throughput": "r", "step": "soon"}, "services.web.step", "step"),
        ({"throughput": "r", "history": "5m"}, "services.web.history", "not longer"),
        ({"throughput": ""}, "services.web.throughput", "missing"),
        ({"throughput": 3}, "services.web.throughput", "catalog name or a PromQL"),
    ],
)
def test_bad_services_are_refused_naming_file_and_field(raw: dict, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_services({"web": raw}, file="my.yaml")
    assert str(err.value).startswith("my.yaml: ")
    assert field in str(err.value) and words in str(err.value)


def test_replicas_can_be_a_series_and_series_are_listed_by_role() -> None:
    (svc,) = parse_services({"version": 1, "services": {"web": {"throughput": "rps", "replicas": "count(up)"}}})
    assert svc.queries() == {"throughput": "rps", "replicas": "count(up)"}
    assert svc.cpu_range == (0.30, 0.60) and svc.workers == 1


def _history(x: np.ndarray, replicas: float = 2.0, *, buckets: bool = True, cpu: bool = True) -> Series:
    """Requests at rate ``x`` per replica whose latency is log-normal with median 0.05 / (1 - x / 100)."""
    median = 0.05 / (1 - x / 100)
    counts = np.array([np.append(lognorm(s=0.6, scale=m).cdf(LE[:-1]) * 1000, 1000) for m in median])
    return Series(
        throughput=x * replicas,
        replicas=np.full(len(x), replicas),
        bounds=LE if buckets else None,
        buckets=counts if buckets else None,
        latency_mean=median * math.exp(0.6**2 / 2),
        cpu=0.2 + 0.005 * x if cpu else None,
    )


def _truth(objective: float = 0.5, replicas: float = 2.0) -> float:
    rho = 1 - 0.05 * math.exp(1.6448536 * 0.6) / objective
    return rho * 100 * replicas


def test_a_service_fit_answers_latency_cpu_and_usl() -> None:
    (svc,) = parse_services({"web": {"throughput": "r", "latency_buckets": "b", "cpu": "c", "cpu_range": [0.3, 0.6]}})
    x = np.repeat(np.linspace(5, 55, 60), 5)
    f = fit_service(svc, _history(x))
    assert f.latency.ok and f.latency.rate == pytest.approx(_truth(), rel=0.02)
    assert f.cpu.ok and f.cpu.rate == pytest.approx((0.6 - 0.2) / 0.005 * 2, rel=0.01)
    assert f.limit[0] == "latency"  # 2 x 73 req/s before the CPU's 160
    assert f.usl.ok


def test_flat_load_is_refused_with_the_range_seen() -> None:
    (svc,) = parse_services({"web": {"throughput": "r", "latency_buckets": "b", "cpu": "c"}})
    f = fit_service(svc, _history(np.linspace(40, 50, 300)))
    assert f.latency.status == "too little data"
    assert "ran from 40.5 to 49.5 req/s" in f.latency.note and "1.5x" in f.latency.note
    row = answer(f, 100.0)
    assert row["status"] == "too little data" and math.isnan(row["max_rate"])
    assert row["note"] == f.latency.note  # the reason latency, CPU and USL share, said once


def test_no_histogram_is_said_and_cpu_still_answers() -> None:
    (svc,) = parse_services({"web": {"throughput": "r", "cpu": "c"}})
    f = fit_service(svc, _history(np.linspace(5, 55, 300), buckets=False))
    assert f.latency.status == "no data" and "latency histogram" in f.latency.note
    assert f.cpu.ok and f.limit[0] == "cpu"


def test_a_curve_with_no_bend_in_sight_is_too_uncertain() -> None:
    (svc,) = parse_services({"web": {"throughput": "r", "latency_buckets": "b", "cpu_range": None}})
    x = np.linspace(0.5, 1.5, 300)  # at most 1.5% of the capacity: flat latency, no saturation in sight
    f = fit_service(svc, _history(x, cpu=False))
    assert f.latency.status == "too uncertain"
    assert "wider than useful" in f.latency.note or "busiest load seen" in f.latency.note
    assert math.isnan(answer(f, 3.0)["max_rate"])


def _forecast(start: float, growth: float, days: int = 200, spread: float = 0.1) -> pd.DataFrame:
    ds = pd.date_range("2027-01-01", periods=days, freq="D", tz="UTC")
    mean = start * np.exp(growth * np.arange(1, days + 1))
    return pd.DataFrame({"ds": ds, "mean": mean, "lo-80": mean * (1 - spread), "hi-80": mean * (1 + spread)})


def test_break_dates_combine_the_limits_and_the_forecasts_intervals() -> None:
    fc = _forecast(100, 0.01)
    status, likely, early, late = breaks(100, 150, 140, 160, fc)
    day = lambda level: fc["ds"][np.argmax(fc["mean"].to_numpy() >= level)]  # noqa: E731
    assert status == "breaks within horizon"
    assert likely == day(150)
    assert early == fc["ds"][np.argmax(fc["hi-80"].to_numpy() >= 140)]
    assert late == fc["ds"][np.argmax(fc["lo-80"].to_numpy() >= 160)]
    assert early < likely < late
    assert breaks(151, 150, 140, 160, fc)[0] == "already over"
    assert breaks(100, 1e6, 9e5, 2e6, fc)[0] == "not within horizon"
    assert breaks(100, 150, 140, 160, None)[0] == "no forecast"


def test_answer_sizes_replicas_and_runs_the_what_if() -> None:
    (svc,) = parse_services({"web": {"throughput": "r", "latency_buckets": "b", "cpu_range": None}})
    f = fit_service(svc, _history(np.repeat(np.linspace(5, 55, 60), 5), cpu=False))
    per_replica = f.latency.rate / 2
    fc = _forecast(100, 0.01)
    row = answer(f, 100.0, fc, WhatIf(replicas=4, traffic=0.5))
    assert row["limit"] == "latency" and row["headroom"] == pytest.approx(f.latency.rate / 100 - 1)
    assert row["replicas_needed"] == math.ceil(fc["hi-80"].max() / per_replica)
    assert row["replicas_needed_hi"] >= row["replicas_needed"]
    assert row["capacity_change"] == pytest.approx(row["replicas_needed"] / 2 - 1)
    # 150 req/s on 4 replicas = 37.5 per replica: the true p95 there
    true_p95 = lognorm(s=0.6, scale=0.05 / (1 - 37.5 / 100)).ppf(0.95)
    assert row["whatif_latency"] == pytest.approx(true_p95, rel=0.03)
    assert row["whatif_latency_lo"] <= row["whatif_latency"] <= row["whatif_latency_hi"]
    assert row["whatif_holds"] is True
    assert answer(f, 100.0, fc, WhatIf(replicas=1, traffic=1.0))["whatif_holds"] is False
