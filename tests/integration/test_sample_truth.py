"""The sample source's catalog series equal what a real Prometheus computes.

The oracle is Prometheus 2.42 itself: each catalog entry's PromQL is run as a
``query_range`` (plain HTTP, not through capacity's client) on the history
backfilled from ``raw_history``, and compared with ``SampleSource`` computing
the same metric in numpy, series by series (``request_duration_buckets`` gives
one per ``le``). Grids include a non-minute-aligned 150 s step.
Tolerance: relative 1e-9 (floating-point summation order only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import requests

from capacity.core.frame import series_id
from capacity.metrics.catalog import default_catalog
from capacity.sample.source import SampleSource

pytestmark = pytest.mark.integration

CASES = [
    ("1m", "2026-09-08T00:00:00Z", 7),
    ("7m", "2026-09-01T00:00:00Z", 28),
    ("150s", "2026-09-17T00:00:30Z", 7),
]


def _prometheus_series(
    url: str, name: str, query: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta
) -> dict[str, pd.Series]:
    """Each series of the answer, named as the sample source names a catalog entry's series:
    ``name`` alone for one series without labels, else ``name{label="value",...}``."""
    params = {"query": query, "start": start.timestamp(), "end": end.timestamp(), "step": step.total_seconds()}
    body = requests.get(url + "/api/v1/query_range", params=params, timeout=60).json()
    assert body.get("status") == "success", body
    result = body["data"]["result"]
    out = {}
    for r in result:
        labels = {k: v for k, v in r["metric"].items() if k != "__name__"}
        uid = name if len(result) == 1 and not labels else series_id(name, labels)
        out[uid] = pd.Series(
            [float(v) for _, v in r["values"]],
            index=pd.to_datetime([float(t) for t, _ in r["values"]], unit="s", utc=True),
        )
    return out


@pytest.mark.parametrize("step,first,days", CASES)
def test_catalog_truth_equals_prometheus(prometheus, step, first, days):
    src = SampleSource()
    step_td = pd.Timedelta(step)
    start = pd.Timestamp(first)
    end = start + pd.Timedelta(days=days)
    bad = []
    for name, metric in default_catalog().items():
        truth = src.fetch(name, start, end, step_td).frame
        answer = _prometheus_series(prometheus.url, name, metric.query, start, end, step_td)
        uids = sorted(truth["unique_id"].astype(str).unique())
        if uids != sorted(answer):
            bad.append((name, "series differ", sorted(answer), uids))
            continue
        for uid in uids:
            one = truth[truth["unique_id"].astype(str) == uid]
            ours = pd.Series(one["y"].to_numpy(), index=pd.DatetimeIndex(one["ds"]))
            got = answer[uid]
            if len(got) != len(ours) or not (got.index == ours.index).all():
                bad.append((uid, "timestamps differ", len(got), len(ours)))
                continue
            ok = np.isclose(got.to_numpy(), ours.to_numpy(), rtol=1e-9, atol=0, equal_nan=True)
            if not ok.all():
                i = np.flatnonzero(~ok)[:3]
                bad.append((uid, int((~ok).sum()), got.index[i].astype(str).tolist()))
    assert not bad, "\n".join(map(str, bad))
