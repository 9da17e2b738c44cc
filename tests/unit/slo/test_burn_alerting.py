"""Per-SLO ``alerting: {burn_rate: page|ticket|none}``: validated at load time and
honoured the same way by the burn-alert replay and the generated rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from capacity.cli.rules import catalog_queries
from capacity.core.errors import SpecError
from capacity.core.windows import Window
from capacity.slo import default_spec, generate_rules, load_spec, parse_spec, replay_burn_alerts
from capacity.slo.engine import evaluate

from ._frames import T0, series
from .test_openslo import SLI_DOC, SLO_DOC

SLI = {
    "kind": "ratio",
    "bad": {"query": "bad_total", "counter": True},
    "total": {"query": "req_total", "counter": True},
}


def _spec(**levels: str | None):
    """One ratio SLO per keyword (all on the same data), ``alerting.burn_rate`` as given (None: field absent)."""
    slos = []
    for name, level in levels.items():
        s: dict = {"name": name, "objective": 0.99, "sli": SLI}
        if level is not None:
            s["alerting"] = {"burn_rate": level}
        slos.append(s)
    return parse_spec({"apiVersion": "capacity/v1", "tz": "UTC", "slos": slos}, file="levels.yaml")


def _burning_data(days: int = 4):
    """100 requests a minute, half of them errors, for ``days`` days: a burn of 50 against a 1% budget."""
    n = days * 1440 + 1
    t = np.arange(n) * 100.0
    return {"req_total": series("req_total", t), "bad_total": series("bad_total", t / 2)}


def _burn_alerts(rules: dict) -> set[tuple[str, str, str]]:
    return {
        (r["labels"]["slo"], r["labels"]["burn_window"], r["labels"]["severity"])
        for g in rules["groups"]
        for r in g["rules"]
        if r.get("alert") == "SLOBurnRate"
    }


# --------------------------------------------------------------------------- the spec field


def test_absent_field_means_page_and_the_three_levels_parse():
    s = _spec(a=None, b="page", c="ticket", d="none")
    assert [x.burn_alerts for x in s.slos] == ["page", "page", "ticket", "none"]


def test_default_spec_keeps_the_range_slos_off_the_pager():
    s = default_spec()
    levels = {x.name: x.burn_alerts for x in s.slos}
    assert levels.pop("cpu-in-range") == "none" and levels.pop("memory-in-range") == "none"
    assert set(levels.values()) == {"page"}  # the reliability SLOs still page


@pytest.mark.parametrize(
    "alerting, field, text",
    [
        ({"burn_rate": "sms"}, "alerting.burn_rate", "'sms'"),
        ({"burn_rate": False}, "alerting.burn_rate", "quote it"),  # YAML's unquoted `no`/`off`
        ({"burn_rate": None}, "alerting.burn_rate", "None"),
        ({"page": True}, "alerting.page", "unknown field"),
        ("none", "alerting", "expected a mapping"),
    ],
)
def test_invalid_alerting_names_file_slo_and_field(tmp_path, alerting, field, text):
    p = tmp_path / "mine.yaml"
    p.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "capacity/v1",
                "slos": [
                    {
                        "name": "cpu",
                        "objective": 0.9,
                        "alerting": alerting,
                        "sli": {"kind": "gauge_range", "metric": "cpu_utilization", "upper": 0.6},
                    },
                ],
            }
        )
    )
    with pytest.raises(SpecError) as ei:
        load_spec(p)
    e = ei.value
    assert e.file == str(p) and e.slo == "cpu" and e.field == field
    assert str(p) in str(e) and "'cpu'" in str(e) and field in str(e) and text in str(e) and "\n" not in str(e)


def test_unquoted_yaml_no_is_refused_not_read_as_none(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text(
        "apiVersion: capacity/v1\nslos:\n  - name: cpu\n    objective: 0.9\n    alerting: {burn_rate: no}\n"
        "    sli: {kind: gauge_range, metric: cpu_utilization, upper: 0.6}\n"
    )
    with pytest.raises(SpecError, match="alerting.burn_rate"):
        load_spec(p)


def test_extending_the_default_keeps_its_levels_and_takes_the_users(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "capacity/v1",
                "extends": "default",
                "slos": [
                    {
                        "name": "disk",
                        "objective": 0.9,
                        "alerting": {"burn_rate": "ticket"},
                        "sli": {"kind": "gauge_range", "metric": "disk_free_ratio", "lower": 0.2},
                    },
                ],
            }
        )
    )
    s = load_spec(p)
    assert s.slo("cpu-in-range").burn_alerts == "none" and s.slo("disk").burn_alerts == "ticket"
    assert s.slo("error-rate").burn_alerts == "page"


# --------------------------------------------------------------------------- OpenSLO keeps the default


def test_openslo_slos_keep_paging(tmp_path):
    p = tmp_path / "openslo.yaml"
    p.write_text(SLI_DOC + SLO_DOC % {"method": "Occurrences", "extra": ""})
    (slo,) = load_spec(p).slos
    assert slo.burn_alerts == "page"
    assert _burn_alerts(generate_rules(load_spec(p), catalog_queries())) == {
        ("availability", "page-1h", "page"),
        ("availability", "page-6h", "page"),
        ("availability", "ticket-3d", "ticket"),
    }
    merged = load_spec(p, extend_default=True)
    assert merged.slo("availability").burn_alerts == "page" and merged.slo("memory-in-range").burn_alerts == "none"


# --------------------------------------------------------------------------- the replay


def test_replay_alerts_only_on_the_rows_each_level_allows():
    # a burn of 50 exceeds every row's factor (14.4, 6, 1), over every window, all the time:
    # with full history every row fires from the first scored minute to the end of the data
    spec = _spec(p="page", t="ticket", n="none")
    data = _burning_data()
    start, end = T0 + pd.Timedelta(days=3, hours=1), T0 + pd.Timedelta(days=4)
    eps = replay_burn_alerts(spec, data, start, end)
    assert sorted(zip(eps.alert, eps.severity, eps.priority, strict=False)) == [
        ("p:page-1h", "page", "high"),
        ("p:page-6h", "page", "high"),
        ("p:ticket-3d", "ticket", "medium"),
        ("t:ticket-3d", "ticket", "medium"),
    ]
    # the ticket row of a ticket-level SLO is the same episode as the page-level SLO's (same data, same row)
    p3, t3 = (eps[eps.alert == a].iloc[0] for a in ("p:ticket-3d", "t:ticket-3d"))
    assert (p3.start, p3.end, p3.peak) == (t3.start, t3.end, t3.peak)
    # evaluate() goes through the same filter
    w = Window("1d", T0 + pd.Timedelta(days=3), end, "rolling")
    ev = evaluate(spec, data, [w], burn_from=start, alerts_from=start, end=end)
    pd.testing.assert_frame_equal(ev.burn_episodes, eps)
    # burn-rate series (not alerts) are still computed for every SLO
    assert set(ev.burn_rates.slo) == {"p", "t", "n"}


def test_none_level_only_has_no_burn_episodes():
    eps = replay_burn_alerts(_spec(n="none"), _burning_data(1), T0 + pd.Timedelta(hours=7), T0 + pd.Timedelta(days=1))
    assert eps.empty and "alert" in eps.columns


# --------------------------------------------------------------------------- the rules


def test_rules_follow_the_levels_and_keep_every_recording():
    rules = generate_rules(_spec(p="page", t="ticket", n="none"), {})
    assert _burn_alerts(rules) == {
        ("p", "page-1h", "page"),
        ("p", "page-6h", "page"),
        ("p", "ticket-3d", "ticket"),
        ("t", "ticket-3d", "ticket"),
    }
    groups = {g["name"]: g["rules"] for g in rules["groups"]}
    assert "capacity-slo-n-alerts" not in groups  # no empty group
    rec = {name: [(r["record"], r["expr"]) for r in groups[f"capacity-slo-{name}-recordings"]] for name in "ptn"}
    assert len(rec["n"]) == 5 + 1  # 5m 30m 1h 6h 3d and the 30d period
    assert [x[0] for x in rec["p"]] == [x[0] for x in rec["t"]] == [x[0] for x in rec["n"]]


def test_default_rules_have_no_burn_alert_for_the_range_slos():
    got = _burn_alerts(generate_rules(default_spec(), catalog_queries()))
    assert {slo for slo, _, _ in got} == {
        "error-rate",
        "latency-p95",
        "latency-p95-timeslice",
        "db-connections",
        "cache-hit-rate",
    }
    assert ("error-rate", "page-1h", "page") in got and len(got) == 5 * 3
