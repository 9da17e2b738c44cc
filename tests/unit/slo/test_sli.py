import math

import numpy as np
import pandas as pd
import pytest

from capacity.core.errors import DataError
from capacity.slo.model import SLI, Query
from capacity.slo.sli import Grid, count_below, counter_increments, histogram_quantile, sli_events

from ._frames import T0, frames, series

GRID = Grid.between(T0, T0 + pd.Timedelta(minutes=9), pd.Timedelta(minutes=1))


def test_counter_increments_handle_resets_and_sum_series():
    # series a: +10 per minute, reset after minute 4 (value drops to 5: Prometheus counts 5)
    a = series('c{s="a"}', [0, 10, 20, 30, 40, 5, 15, 25, 35, 45])
    b = series('c{s="b"}', [100] * 10)
    inc, seen = counter_increments(frames(a, b), GRID)
    assert inc[0] == 0 and not seen[0]  # first samples contribute nothing
    assert list(inc[1:]) == [10, 10, 10, 10, 5, 10, 10, 10, 10]
    assert inc.sum() == 85  # 40 before the reset + 45 after
    assert seen[1:].all()


def test_counter_gap_is_counted_where_observed_and_reported_as_no_data():
    a = series("c", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], drop=[4, 5])
    inc, seen = counter_increments(a, GRID)
    assert inc[6] == 3  # 3 -> 6 across the gap, nothing lost
    assert not seen[4] and not seen[5]
    assert inc.sum() == 9


def test_ratio_bad_over_total_is_traffic_weighted():
    # minute 1: 100 requests, 50 errors; minutes 2..9: 900 requests/min, no error
    total = np.concatenate([[0, 100], 100 + 900 * np.arange(1, 9)])
    bad = np.array([0] + [50] * 9, dtype=float)
    data = {"t": series("t", total), "b": series("b", bad)}
    sli = SLI("ratio", bad=Query("b", True), total=Query("t", True))
    ev = sli_events(sli, data, GRID)
    assert ev.total.sum() == 100 + 8 * 900
    assert ev.bad.sum() == 50
    # an average of per-minute ratios would give (0.5 + 0*8)/9 = 0.0556
    assert ev.good.sum() / ev.total.sum() == pytest.approx(1 - 50 / 7300, rel=1e-15)


def test_count_below_interpolates_like_histogram_quantile():
    bounds = np.array([0.1, 0.25, 1.0, math.inf])
    counts = np.array([[10.0, 40.0, 100.0, 120.0]])
    # 0.5 lies 1/3 of the way from 0.25 to 1.0 -> 40 + (100-40)/3 = 60
    assert count_below(bounds, counts, 0.5)[0] == pytest.approx(60.0)
    assert count_below(bounds, counts, 0.25)[0] == 40.0
    assert count_below(bounds, counts, 0.05)[0] == pytest.approx(5.0)  # first bucket starts at 0
    assert count_below(bounds, counts, 5.0)[0] == 100.0  # above the last finite bound


def test_histogram_quantile_matches_prometheus_rules():
    bounds = np.array([0.1, 0.25, 1.0, math.inf])
    counts = np.array(
        [
            [10.0, 40.0, 100.0, 100.0],  # rank 95 in (0.25, 1.0]: 0.25 + 0.75 * 55/60
            [0.0, 0.0, 0.0, 0.0],  # no traffic -> NaN
            [0.0, 0.0, 10.0, 100.0],  # in +Inf bucket -> largest finite bound
        ]
    )
    q = histogram_quantile(0.95, bounds, counts)
    assert q[0] == pytest.approx(0.25 + 0.75 * 55 / 60)
    assert math.isnan(q[1])
    assert q[2] == 1.0


def _hist(le: str, values):
    return series(f'h_bucket{{le="{le}"}}', values)


def test_latency_threshold_and_timeslice():
    # cumulative counters per bucket; minute 1: 100 requests (80 <= 0.25, 100 <= 1)
    # minute 2: 100 requests (10 <= 0.25, 50 <= 1, 100 <= +Inf)
    f = frames(
        _hist("0.25", [0, 80, 90] + [90] * 7),
        _hist("1", [0, 100, 150] + [150] * 7),
        _hist("+Inf", [0, 100, 200] + [200] * 7),
    )
    data = {"h_bucket": f}
    ev = sli_events(SLI("latency_threshold", buckets=Query("h_bucket", True), threshold=0.5), data, GRID)
    # good at 0.5 = c(0.25) + (c(1)-c(0.25)) * (0.5-0.25)/0.75
    assert ev.good[1] == pytest.approx(80 + 20 / 3)
    assert ev.good[2] == pytest.approx(10 + 40 / 3)
    assert ev.total.sum() == 200
    ts = sli_events(SLI("latency_timeslice", buckets=Query("h_bucket", True), threshold=0.5, quantile=0.95), data, GRID)
    # minute 1: rank 95 falls in (0.25, 1]: 0.25 + 0.75 * (95-80)/20 = 0.8125 > 0.5 -> a bad minute
    assert ts.value[1] == pytest.approx(0.25 + 0.75 * 15 / 20)
    assert ts.total[1] == 1 and ts.good[1] == 0
    assert ts.value[2] == 1.0 and ts.good[2] == 0  # rank 95 in +Inf bucket
    assert ts.total[3:].sum() == 0 and ts.observed[3:].all()  # zero traffic: neither good nor bad


def test_gauge_range_counts_inside_above_below_and_gaps():
    cpu = series("cpu", [0.2, 0.35, 0.5, 0.61, 0.7, 0.3, 0.6, 0.45, 0.1, 0.55], drop=[9])
    ev = sli_events(SLI("gauge_range", metric=Query("cpu"), lower=0.3, upper=0.6), {"cpu": cpu}, GRID)
    assert ev.total.sum() == 9
    assert ev.above.sum() == 2 and ev.below.sum() == 2 and ev.good.sum() == 5
    assert not ev.observed[9]


def test_utilization_against_capacity():
    use = series("u", [10, 50, 81, 79, 90, 0, 0, 0, 0, 0])
    cap = series("c", [100] * 5 + [0] * 5)
    ev = sli_events(SLI("utilization", usage=Query("u"), capacity=Query("c"), upper=0.8), {"u": use, "c": cap}, GRID)
    assert ev.total.sum() == 5  # capacity 0 is not a valid slice
    assert ev.bad.sum() == 2


def test_missing_query_is_a_data_error_naming_it():
    with pytest.raises(DataError, match="cpu"):
        sli_events(SLI("gauge_range", metric=Query("cpu"), lower=0.3), {}, GRID)


def test_select_matches_labels_and_ignores_unused_categories():
    from capacity.core import frame as F
    from capacity.slo.sli import select

    f = frames(series('r{status="2xx"}', [0, 1, 2]), series('r{status="5xx"}', [0, 1, 3]), series("other", [5, 6, 7]))
    labels = F.labels_table(
        {
            'r{status="2xx"}': {"__name__": "r", "status": "2xx"},
            'r{status="5xx"}': {"__name__": "r", "status": "5xx"},
            "other": {"__name__": "other"},
        }
    )
    got = select(f, labels, 'r{status="5xx"}')
    assert set(got.unique_id) == {'r{status="5xx"}'}
    f_cat = f.assign(unique_id=f.unique_id.astype("category"))
    sel = select(f_cat, labels, "r")
    inc, _ = counter_increments(sel, GRID)  # "other" is an unused category here: never a series
    assert inc.sum() == 2 + 3
