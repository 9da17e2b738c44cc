"""The published forecast out of sample on three series of the real panel (the fast slice of
``benchmarks/bench_accuracy``, which scores all of it beside statsforecast and Prophet).

Each series is forecast from its panel origins with only the rows before each origin, and scored on
what came after: the MASE ratio to seasonal naive on the same origins, and how often the 80% and 95%
intervals held.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks import accuracy as acc
from benchmarks.panel import load_panel

pytestmark = pytest.mark.slow

#: monthly business, half-hourly demand (daily + weekly season), 5-minute database CPU with level shifts
SERIES = ("air_passengers", "uk_elec_demand", "nab_rds_cpu_e47b3b")


@pytest.fixture(scope="module")
def pooled():
    panel = load_panel(SERIES)
    scores = [acc.run_series(s, {"capacity": lambda o, s=s: acc.ours(o, s.h)}) for s in panel]
    return acc.pooled(pd.concat(scores, ignore_index=True)).set_index(["series", "method"])


@pytest.mark.parametrize("name", SERIES)
def test_beats_seasonal_naive_out_of_sample(pooled, name):
    ours = pooled.loc[(name, "capacity")]
    assert ours["origins"] >= 4 and ours["points"] > 0
    assert ours["ratio"] < 0.8, (name, ours["ratio"], ours["models"])


def test_intervals_hold_out_of_sample(pooled):
    ours = pooled.xs("capacity", level="method")
    cov80 = ours["inside80"].sum() / ours["points"].sum()
    cov95 = ours["inside95"].sum() / ours["points"].sum()
    assert 0.65 <= cov80 <= 0.95 and 0.85 <= cov95 <= 0.995, (cov80, cov95)
    assert cov95 > cov80
    assert np.all(ours["cov80"] >= 0.5), ours["cov80"]


def test_the_scores_are_the_plain_formulas():
    """MASE and coverage of one origin recomputed by hand."""
    (s,) = load_panel(["air_passengers"])
    o = next(acc.origins(s.frame, s.freq, s.h, s.origins, s.season))
    sn = acc.seasonal_naive(o)
    y = o.grid["y"].to_numpy()
    assert np.allclose(sn.mean, y[-12:])  # monthly: last year repeated
    scale = np.mean(np.abs(y[12:] - y[:-12]))
    got = acc.score(o, sn)
    assert got["mase"] == pytest.approx(np.mean(np.abs(o.truth - y[-12:])) / scale)
    wide = acc.Prediction(sn.mean, {80: sn.mean - 1e9, 95: sn.mean - 1e9}, {80: sn.mean + 1e9, 95: sn.mean + 1e9})
    assert acc.score(o, wide)["inside-80"] == len(o.truth)
