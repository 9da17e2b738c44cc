"""The same pull against VictoriaMetrics gives the same frame as against Prometheus.

Both servers hold the same history (promtool backfill vs VictoriaMetrics'
import API). VictoriaMetrics allows 30,000 points per series per request,
so it is pulled in fewer, larger pieces.
"""

from __future__ import annotations

import pandas as pd
import pytest

from capacity.metrics.promql import selector
from capacity.sources.prometheus.source import PrometheusSource

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "name,step,days",
    [
        ("http_requests_total", "1m", 30),
        ("node_memory_MemAvailable_bytes", "1m", 41),
        ("pg_database_size_bytes", "1h", 41),
    ],
)
def test_victoria_equals_prometheus(prometheus, victoria, name, step, days):
    start = prometheus.start + pd.Timedelta(days=1)
    end = start + pd.Timedelta(days=days)
    q, step_td = selector(name), pd.Timedelta(step)
    from_prom = PrometheusSource(prometheus.url, cache=False, max_points=11_000).fetch(q, start, end, step_td)
    from_vm = PrometheusSource(victoria.url, cache=False, max_points=30_000).fetch(q, start, end, step_td)
    assert len(from_prom.frame) > 900
    pd.testing.assert_frame_equal(from_vm.frame, from_prom.frame)
    pd.testing.assert_frame_equal(from_vm.labels, from_prom.labels)
