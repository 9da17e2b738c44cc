"""Golden files pin the generated PromQL: any change to rule generation shows
up here as a diff to review. Regenerate deliberately with
``CAPACITY_UPDATE_GOLDEN=1 pytest tests/golden``, then read the diff.

The golden files were reviewed by hand against the SRE Workbook's
multiwindow recipe and Sloth's layout (error ratio per window as
``sum(rate(bad[W])) / sum(rate(total[W]))``; page when the 1h and 5m ratios
exceed 14.4 x budget, or 6h and 30m exceed 6 x; ticket on 3d and 6h over 1 x);
they also pass ``promtool check rules`` (tests/integration/test_rules_promtool.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from capacity.cli.rules import catalog_queries
from capacity.slo import default_spec, generate_rules, load_spec, rules_yaml

HERE = Path(__file__).parent

OPENSLO = """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: checkout-errors}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{handler="/checkout",status!="5xx"}'}}}
    total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{handler="/checkout"}'}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  indicatorRef: checkout-errors
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
"""


def _check(name: str, text: str) -> None:
    path = HERE / name
    if os.environ.get("CAPACITY_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"golden file {path} missing: run with CAPACITY_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(), f"generated rules differ from {path}; review, then CAPACITY_UPDATE_GOLDEN=1"


def test_default_spec_rules_match_golden():
    _check("rules_default.yaml", rules_yaml(generate_rules(default_spec(), catalog_queries())))


def test_openslo_rules_match_golden(tmp_path):
    p = tmp_path / "checkout.yaml"
    p.write_text(OPENSLO)
    _check("rules_openslo_checkout.yaml", rules_yaml(generate_rules(load_spec(p), catalog_queries())))


def test_golden_burn_alerts_use_the_workbook_thresholds():
    rules = yaml.safe_load((HERE / "rules_default.yaml").read_text())
    exprs = [
        r["expr"]
        for g in rules["groups"]
        for r in g["rules"]
        if r.get("alert") == "SLOBurnRate" and r["labels"]["slo"] == "error-rate"
    ]
    assert exprs == [
        '(slo:sli_error:ratio_rate1h{slo="error-rate"} > (14.4 * (1 - 0.99))) and (slo:sli_error:ratio_rate5m{slo="error-rate"} > (14.4 * (1 - 0.99)))',  # noqa: E501 (a literal query / response body)
        '(slo:sli_error:ratio_rate6h{slo="error-rate"} > (6 * (1 - 0.99))) and (slo:sli_error:ratio_rate30m{slo="error-rate"} > (6 * (1 - 0.99)))',  # noqa: E501 (a literal query / response body)
        '(slo:sli_error:ratio_rate3d{slo="error-rate"} > (1 * (1 - 0.99))) and (slo:sli_error:ratio_rate6h{slo="error-rate"} > (1 * (1 - 0.99)))',  # noqa: E501 (a literal query / response body)
    ]


def test_user_input_in_selectors_is_escaped(tmp_path):
    p = tmp_path / "evil.yaml"
    p.write_text(OPENSLO.replace('handler=\\"/checkout\\"', "x").replace("/checkout", 'a\\"b'))
    text = rules_yaml(generate_rules(load_spec(p), catalog_queries()))
    assert 'handler="a\\"b"' in yaml.safe_load(text)["groups"][0]["rules"][0]["expr"]
