import re

import pandas as pd
import pytest

from capacity.core.errors import SpecError
from capacity.slo import parse_spec
from capacity.slo.rules import _le_pattern, error_ratio_expr, generate


def _slo(sli, objective=0.99):
    return parse_spec(
        {"apiVersion": "capacity/v1", "slos": [{"name": "s", "objective": objective, "sli": sli}]}, file="f"
    ).slos[0]


@pytest.mark.parametrize(
    "th, ok, not_ok",
    [
        (0.5, ["0.5", "0.50"], ["0.05", "5", "0.51"]),
        (1.0, ["1", "1.0", "1.00"], ["10", "0.1", "1.5"]),
        (2.5, ["2.5"], ["25", "2.51"]),
    ],
)
def test_le_pattern_matches_every_spelling_of_the_bound(th, ok, not_ok):
    pat = re.compile(_le_pattern(th))
    assert all(pat.fullmatch(x) for x in ok)
    assert not any(pat.fullmatch(x) for x in not_ok)


def test_ratio_forms():
    h = pd.Timedelta(hours=1)
    assert (
        error_ratio_expr(_slo({"kind": "ratio", "bad": "e_total", "total": "r_total"}), h)
        == "(sum(rate(e_total[1h]))) / (sum(rate(r_total[1h])))"
    )
    assert (
        error_ratio_expr(_slo({"kind": "ratio", "good": "g_total", "bad": "e_total"}), h)
        == "(sum(rate(e_total[1h]))) / ((sum(rate(g_total[1h]))) + (sum(rate(e_total[1h]))))"
    )
    rate = _slo(
        {
            "kind": "ratio",
            "bad": {"query": "sum(rate(e_total[5m]))", "counter": False},
            "total": {"query": "sum(rate(r_total[5m]))", "counter": False},
        }
    )
    assert (
        error_ratio_expr(rate, h)
        == "(sum_over_time((sum(sum(rate(e_total[5m]))))[1h:1m])) / (sum_over_time((sum(sum(rate(r_total[5m]))))[1h:1m]))"  # noqa: E501 (a literal query / response body)
    )


def test_catalog_names_are_resolved_through_the_mapping():
    slo = _slo({"kind": "gauge_range", "metric": "cpu", "upper": 0.8})
    assert (
        error_ratio_expr(slo, pd.Timedelta(minutes=5), queries={"cpu": "avg(x)"})
        == "avg(avg_over_time((((avg(x)) > bool 0.8))[5m:1m]))"
    )


def test_rules_need_plain_selectors_for_counters():
    slo = _slo({"kind": "ratio", "bad": "e_total", "total": "r_total"})
    rules = generate(
        parse_spec(
            {
                "apiVersion": "capacity/v1",
                "slos": [
                    {"name": "s", "objective": 0.999, "sli": {"kind": "ratio", "bad": "e_total", "total": "r_total"}}
                ],
            },
            file="f",
        )
    )
    names = [r.get("record") or r.get("alert") for g in rules["groups"] for r in g["rules"]]
    assert names.count("SLOBurnRate") == 3 and "slo:sli_error:ratio_rate30d" in names
    with pytest.raises(SpecError):
        parse_spec(
            {
                "apiVersion": "capacity/v1",
                "slos": [
                    {
                        "name": "s",
                        "objective": 0.9,
                        "sli": {
                            "kind": "ratio",
                            "bad": {"query": "sum(rate(e_total[5m]))", "counter": True},
                            "total": "r_total",
                        },
                    }
                ],
            },
            file="f",
        )
    del slo
