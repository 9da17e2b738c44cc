import pandas as pd
import pytest

from capacity.core.errors import SpecError
from capacity.slo import load_spec

SLI_DOC = """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: errors}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{status="5xx"}'}}}
    total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
"""

SLO_DOC = """\
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  service: api
  indicatorRef: errors
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: %(method)s
  objectives: [{target: 0.995%(extra)s}]
"""


def _write(tmp_path, text):
    p = tmp_path / "openslo.yaml"
    p.write_text(text)
    return p


def test_ratio_metric_occurrences_rolling(tmp_path):
    s = load_spec(_write(tmp_path, SLI_DOC + SLO_DOC % {"method": "Occurrences", "extra": ""}))
    (slo,) = s.slos
    assert slo.name == "availability" and slo.objective == 0.995
    assert slo.window == pd.Timedelta(days=28) and slo.calendar is None
    assert slo.sli.kind == "ratio" and slo.sli.bad.counter and slo.sli.total.text == "http_requests_total"
    assert slo.budgeting == "Occurrences"


def test_timeslices_and_ratio_timeslices(tmp_path):
    s = load_spec(
        _write(
            tmp_path,
            SLI_DOC + SLO_DOC % {"method": "Timeslices", "extra": ", timeSliceTarget: 0.95, timeSliceWindow: 5m"},
        )
    )
    assert s.slos[0].budgeting == "Timeslices" and s.slos[0].timeslice_target == 0.95
    assert s.slos[0].timeslice_window == pd.Timedelta(minutes=5)
    s = load_spec(_write(tmp_path, SLI_DOC + SLO_DOC % {"method": "RatioTimeslices", "extra": ", timeSliceWindow: 1m"}))
    assert s.slos[0].budgeting == "RatioTimeslices"


def test_threshold_metric_calendar_month(tmp_path):
    text = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: latency}
spec:
  indicator:
    metadata: {name: p95}
    spec:
      thresholdMetric: {metricSource: {type: Prometheus, spec: {query: latency_p95_seconds}}}
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: America/New_York}}]
  budgetingMethod: Timeslices
  objectives: [{op: lt, value: 0.5, targetPercent: 99, timeSliceWindow: 1m}]
"""  # noqa: E501 (embedded notebook code / YAML document)
    (slo,) = load_spec(_write(tmp_path, text)).slos
    assert slo.sli.kind == "gauge_range" and slo.sli.upper == 0.5 and slo.sli.strict
    assert slo.objective == pytest.approx(0.99) and slo.calendar == "month"
    assert dict(slo.labels)["tz"] == "America/New_York"


@pytest.mark.parametrize(
    "old, new, field",
    [
        (
            "type: Prometheus, spec: {query: http_requests_total}",
            "type: Datadog, spec: {query: x}",
            "metricSource.type",
        ),
        ("budgetingMethod: Occurrences", "budgetingMethod: Sometimes", "budgetingMethod"),
        ("duration: 28d, isRolling: true", "duration: 1Y, isRolling: false, calendar: {timeZone: UTC}", "duration"),
        ("service: api", "alertPolicies: [x]", "alertPolicies"),
        ("ratioMetric:", "rawMetric:", "rawMetric"),
        ("indicatorRef: errors", "indicatorRef: nope", "indicatorRef"),
    ],
)
def test_unsupported_parts_are_refused_by_name(tmp_path, old, new, field):
    text = (SLI_DOC + SLO_DOC % {"method": "Occurrences", "extra": ""}).replace(old, new)
    with pytest.raises(SpecError) as ei:
        load_spec(_write(tmp_path, text))
    assert field in str(ei.value) and "openslo.yaml" in str(ei.value)


def test_threshold_metric_with_longer_slices_is_refused(tmp_path):
    text = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: latency}
spec:
  indicator:
    metadata: {name: p95}
    spec:
      thresholdMetric: {metricSource: {type: Prometheus, spec: {query: latency_p95_seconds}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{op: lte, value: 0.5, target: 0.99, timeSliceWindow: 5m}]
"""
    with pytest.raises(SpecError, match="timeSliceWindow"):
        load_spec(_write(tmp_path, text))
