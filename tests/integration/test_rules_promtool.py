"""Generated rules against promtool: ``check rules`` accepts every file, and
``test rules`` (Prometheus' own rule engine) shows the alerts fire and resolve
when the hand-reasoned arithmetic below says they should."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from capacity.cli.rules import catalog_queries
from capacity.slo import default_spec, generate_rules, load_spec, parse_spec, rules_yaml
from capacity.testing.servers import ServerError, binary

pytestmark = pytest.mark.integration


def _promtool() -> str:
    try:
        return binary("promtool")
    except ServerError as exc:
        pytest.fail(f"these tests need promtool: {exc}", pytrace=False)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_promtool(), *args], capture_output=True, text=True, timeout=120)


def test_default_spec_rules_pass_promtool_check(tmp_path: Path):
    p = tmp_path / "rules.yaml"
    p.write_text(rules_yaml(generate_rules(default_spec(), catalog_queries())))
    r = _run("check", "rules", str(p))
    assert r.returncode == 0, r.stdout + r.stderr
    # 7 SLOs x 6 recordings (5m 30m 1h 6h 3d and the 30d period) + 5 paging SLOs x 3 burn alerts (cpu-in-range and
    # memory-in-range have alerting.burn_rate none) + 12 runbook alerts
    assert "SUCCESS: 69 rules found" in r.stdout + r.stderr


def test_openslo_spec_rules_pass_promtool_check(tmp_path: Path):
    spec_file = tmp_path / "openslo.yaml"
    spec_file.write_text("""\
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  indicator:
    metadata: {name: errors}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{handler="/checkout",status!="5xx"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{handler="/checkout"}'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
""")  # noqa: E501 (embedded notebook code / YAML document)
    p = tmp_path / "rules.yaml"
    p.write_text(rules_yaml(generate_rules(load_spec(spec_file), catalog_queries())))
    r = _run("check", "rules", str(p))
    assert r.returncode == 0, r.stdout + r.stderr


def _incident_spec(burn_rate: str = "page"):
    return parse_spec(
        {
            "apiVersion": "capacity/v1",
            "slos": [
                {
                    "name": "error-rate",
                    "objective": 0.99,
                    "alerting": {"burn_rate": burn_rate},
                    "sli": {
                        "kind": "ratio",
                        "bad": {"query": 'http_requests_total{status="5xx"}', "counter": True},
                        "total": {"query": "http_requests_total", "counter": True},
                    },
                }
            ],
            "alerts": [
                {
                    "name": "HighErrorRate",
                    "metric": "error_ratio",
                    "op": ">",
                    "threshold": 0.05,
                    "for": "5m",
                    "priority": "high",
                    "response": "immediate",
                    "response_within": "0s",
                    "description": ">5% error rate for >5 minutes",
                }
            ],
        },
        file="incident.yaml",
    )


def test_burn_rate_and_runbook_alerts_fire_and_resolve_in_promtool(tmp_path: Path):
    """100 ok requests a minute for 10 h; from minute 421 to 480, 20 5xx a minute on top.

    Error ratio during the incident: 20/120 = 0.167.
    - HighErrorRate (rate over 5m > 0.05, for 5m): at 421 the 5m window holds one
      bad minute (20/520 = 0.038), at 422 two (40/540 = 0.074): pending at 422,
      firing from 427; after the last bad increase (480) the window still holds
      two bad minutes at 483 and one at 484 (0.038): resolved at 484.
    - SLOBurnRate page-1h (ratio over 1h and 5m > 14.4 x 1% = 0.144): the 1h
      ratio is 20k/(6000+20k) after k bad minutes, > 0.144 from k > 50.5 (minute
      ~471); resolved when the 5m ratio drops (484).
    - page-6h (> 0.06 over 6h): at most 1200/37200 = 0.032: never.
    - ticket-3d (> 0.01 over 3d and 6h): from ~23 bad minutes on, still firing
      at 490 (6h: 1200/37200 = 0.032 > 0.01).
    """
    spec = _incident_spec()
    rules = generate_rules(spec, catalog_queries())
    (tmp_path / "rules.yaml").write_text(rules_yaml(rules))
    alert = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "HighErrorRate")
    burn = {
        r["labels"]["burn_window"]: r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "SLOBurnRate"
    }

    def exp_burn(*names):
        return [{"exp_labels": dict(burn[n]["labels"]), "exp_annotations": dict(burn[n]["annotations"])} for n in names]

    high = [{"exp_labels": dict(alert["labels"]), "exp_annotations": dict(alert["annotations"])}]
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'http_requests_total{status="2xx"}', "values": "0+100x600"},
                    {"series": 'http_requests_total{status="5xx"}', "values": "0+0x420 20+20x59 1200+0x120"},
                ],
                "alert_rule_test": [
                    {"eval_time": "400m", "alertname": "HighErrorRate", "exp_alerts": []},
                    {"eval_time": "425m", "alertname": "HighErrorRate", "exp_alerts": []},  # pending
                    {"eval_time": "427m", "alertname": "HighErrorRate", "exp_alerts": high},
                    {"eval_time": "483m", "alertname": "HighErrorRate", "exp_alerts": high},
                    {"eval_time": "484m", "alertname": "HighErrorRate", "exp_alerts": []},
                    {"eval_time": "400m", "alertname": "SLOBurnRate", "exp_alerts": []},
                    {"eval_time": "465m", "alertname": "SLOBurnRate", "exp_alerts": exp_burn("ticket-3d")},
                    {"eval_time": "475m", "alertname": "SLOBurnRate", "exp_alerts": exp_burn("page-1h", "ticket-3d")},
                    {"eval_time": "490m", "alertname": "SLOBurnRate", "exp_alerts": exp_burn("ticket-3d")},
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    r = _run("test", "rules", str(tmp_path / "test.yaml"))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("level", ["page", "ticket", "none"])
def test_rules_of_every_alerting_level_pass_promtool_check(tmp_path: Path, level: str):
    p = tmp_path / "rules.yaml"
    p.write_text(rules_yaml(generate_rules(_incident_spec(level), catalog_queries())))
    r = _run("check", "rules", str(p))
    assert r.returncode == 0, r.stdout + r.stderr
    # 6 recordings + the burn alerts the level allows (3, 1, 0) + HighErrorRate
    assert f"SUCCESS: {6 + {'page': 3, 'ticket': 1, 'none': 0}[level] + 1} rules found" in r.stdout + r.stderr


def test_ticket_level_slo_never_pages_in_promtool(tmp_path: Path):
    """The incident above with ``alerting: {burn_rate: ticket}``: Prometheus evaluating the
    generated rules fires the slow-burn ticket exactly as before (465m, 475m, 490m) and no
    page at 475m, where the page-level SLO fired page-1h; ``exp_alerts`` must match exactly."""
    rules = generate_rules(_incident_spec("ticket"), catalog_queries())
    (tmp_path / "rules.yaml").write_text(rules_yaml(rules))
    burn = [r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "SLOBurnRate"]
    assert [r["labels"]["burn_window"] for r in burn] == ["ticket-3d"]
    ticket = [{"exp_labels": dict(burn[0]["labels"]), "exp_annotations": dict(burn[0]["annotations"])}]
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'http_requests_total{status="2xx"}', "values": "0+100x600"},
                    {"series": 'http_requests_total{status="5xx"}', "values": "0+0x420 20+20x59 1200+0x120"},
                ],
                "alert_rule_test": [
                    {"eval_time": "400m", "alertname": "SLOBurnRate", "exp_alerts": []},
                    {"eval_time": "465m", "alertname": "SLOBurnRate", "exp_alerts": ticket},
                    {"eval_time": "475m", "alertname": "SLOBurnRate", "exp_alerts": ticket},
                    {"eval_time": "490m", "alertname": "SLOBurnRate", "exp_alerts": ticket},
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    r = _run("test", "rules", str(tmp_path / "test.yaml"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_test_fails_when_expectation_is_wrong(tmp_path: Path):
    """The harness above can fail: claiming HighErrorRate fires while pending is rejected."""
    rules = generate_rules(_incident_spec(), catalog_queries())
    (tmp_path / "rules.yaml").write_text(rules_yaml(rules))
    alert = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "HighErrorRate")
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'http_requests_total{status="2xx"}', "values": "0+100x600"},
                    {"series": 'http_requests_total{status="5xx"}', "values": "0+0x420 20+20x59 1200+0x120"},
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "425m",
                        "alertname": "HighErrorRate",
                        "exp_alerts": [
                            {"exp_labels": dict(alert["labels"]), "exp_annotations": dict(alert["annotations"])}
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    assert _run("test", "rules", str(tmp_path / "test.yaml")).returncode != 0
