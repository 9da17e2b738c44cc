"""A malformed selector in a spec file is a SpecError naming the file, the SLO (or alert) and the field.

It used to escape from the loader as QueryError ("the server rejected the
query"), naming neither the file nor the SLO.
"""

import pytest

from capacity.core.errors import ConfigError, SpecError
from capacity.metrics.promql import parse_selector
from capacity.slo import load_spec

UNCLOSED = 'http_requests_total{code=~"5.."'
BAD_REGEX = 'http_requests_total{code=~"("}'
RANGE_IN_BRACE = 'http_requests_total{code=~"5.."[5m]'


def _v1_ratio(query: str) -> str:
    return f"""\
apiVersion: capacity/v1
slos:
  - name: errors
    objective: 0.99
    sli: {{kind: ratio, bad: '{query}', total: http_requests_total}}
"""


@pytest.mark.parametrize("query", [UNCLOSED, BAD_REGEX, RANGE_IN_BRACE])
def test_ratio_query(tmp_path, query):
    p = tmp_path / "errors.yaml"
    p.write_text(_v1_ratio(query))
    with pytest.raises(SpecError) as info:
        load_spec(p)
    e = info.value
    assert (e.file, e.slo, e.field) == (str(p), "errors", "sli.bad")
    assert str(p) in str(e) and "SLO 'errors'" in str(e) and "sli.bad" in str(e)
    assert "\n" not in str(e)


def test_histogram_buckets(tmp_path):
    p = tmp_path / "latency.yaml"
    p.write_text("""\
apiVersion: capacity/v1
slos:
  - name: latency
    objective: 0.95
    sli: {kind: latency_threshold, buckets: 'http_request_duration_seconds_bucket{handler="/api"', threshold: 0.5}
""")
    with pytest.raises(SpecError) as info:
        load_spec(p)
    assert (info.value.file, info.value.slo, info.value.field) == (str(p), "latency", "sli.buckets")
    assert "SLO 'latency'" in str(info.value) and str(p) in str(info.value)


def test_gauge_metric_is_checked_too(tmp_path):
    p = tmp_path / "cpu.yaml"
    p.write_text("""\
apiVersion: capacity/v1
slos:
  - name: cpu
    objective: 0.9
    sli: {kind: gauge_range, metric: 'cpu_usage_ratio{job="api"', upper: 0.8}
""")
    with pytest.raises(SpecError) as info:
        load_spec(p)
    assert (info.value.slo, info.value.field) == ("cpu", "sli.metric")


def test_alert_metric_names_the_alert(tmp_path):
    p = tmp_path / "alerts.yaml"
    p.write_text(f"""\
apiVersion: capacity/v1
alerts:
  - name: HighErrors
    metric: '{UNCLOSED}'
    op: ">"
    threshold: 1
    priority: high
""")
    with pytest.raises(SpecError) as info:
        load_spec(p)
    e = info.value
    assert (e.file, e.alert, e.field) == (str(p), "HighErrors", "metric")
    assert f"{p}: alert 'HighErrors': metric: " in str(e)


def test_openslo_query(tmp_path):
    p = tmp_path / "openslo.yaml"
    p.write_text(f"""\
apiVersion: openslo/v1
kind: SLO
metadata: {{name: availability}}
spec:
  indicator:
    spec:
      ratioMetric:
        counter: true
        bad: {{metricSource: {{type: Prometheus, spec: {{query: '{UNCLOSED}'}}}}}}
        total: {{metricSource: {{type: Prometheus, spec: {{query: http_requests_total}}}}}}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: 0.99}}]
""")
    with pytest.raises(SpecError) as info:
        load_spec(p)
    assert (info.value.slo, info.value.field) == (
        "availability",
        "spec.indicator.spec.ratioMetric.bad.metricSource.spec.query",
    )


def test_promql_syntax_error_is_a_config_error():
    from capacity.core.errors import PromQLSyntaxError

    with pytest.raises(ConfigError) as info:
        parse_selector(UNCLOSED)
    assert isinstance(info.value, PromQLSyntaxError) and info.value.query == UNCLOSED


def _alert_spec(tmp_path, metric: str):
    p = tmp_path / "alerts.yaml"
    p.write_text(f"""\
apiVersion: capacity/v1
alerts:
  - name: HighErrors
    metric: '{metric}'
    op: ">"
    threshold: 1
    priority: high
""")
    return p


@pytest.mark.parametrize(
    "expr",
    [
        'rate(http_requests_total{code=~"5.."[5m])',
        'sum(rate(http_requests_total{code=~"("}[5m]))',
        "sum(rate(http_requests_total[5m])) / sum(rate({}[5m]))",
    ],
)
def test_selectors_inside_an_expression_are_checked(tmp_path, expr):
    with pytest.raises(SpecError) as info:
        load_spec(_alert_spec(tmp_path, expr))
    assert (info.value.alert, info.value.field) == ("HighErrors", "metric")


@pytest.mark.parametrize(
    "expr",
    [
        'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
        'label_replace(up{job="api"}, "dst", "$1", "src", "(.*){2}")',
        'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{handler="/"}[5m])))',
        "max_over_time(up{job=`a{b`}[10m:1m])",
    ],
)
def test_well_formed_expressions_load(tmp_path, expr):
    (alert,) = load_spec(_alert_spec(tmp_path, expr)).alerts
    assert alert.metric.text == expr and not alert.metric.counter
