"""The error budget policy: validated at load, first matching rule wins, overridable in a spec."""

from __future__ import annotations

import pandas as pd
import pytest

from capacity.core.errors import SpecError
from capacity.slo.load_v1 import parse_spec
from capacity.slo.loader import default_spec
from capacity.slo.policy import default_budget_policy, parse_budget_policy, verdicts


def _table(rows):
    return pd.DataFrame(rows, columns=["slo", "budget_consumed", "status"])


def test_the_default_policy_freezes_paging_slos_and_resizes_range_slos():
    spec = default_spec()
    kinds = {s.name: s.sli.kind for s in spec.slos}
    table = _table(
        [
            ("error-rate", 1.3, "ok"),  # overspent, a request SLO: freeze
            ("cpu-in-range", 1.18, "ok"),  # overspent, an operating range: resize
            ("cache-hit-rate", 0.8, "ok"),  # most of it used: caution
            ("latency-p95", 0.2, "ok"),  # normal
            ("db-connections", float("nan"), "too little data"),  # not judged
        ]
    )
    got = verdicts(spec.budget_policy, table, kinds).set_index("slo")
    assert got["verdict"].to_dict() == {
        "error-rate": "freeze",
        "cpu-in-range": "resize",
        "cache-hit-rate": "caution",
        "latency-p95": "normal",
        "db-connections": "",
    }
    assert got.loc["error-rate", "action"].startswith("Freeze feature releases")
    assert got.loc["db-connections", "action"] == "not judged: too little data"


def test_exactly_at_a_bound_is_not_over_it():
    policy = default_budget_policy()
    assert policy.rule_for("ratio", 1.0).name == "caution"  # all of it used, not more
    assert policy.rule_for("ratio", 0.75).name == "normal"


def test_a_spec_replaces_the_policy():
    spec = parse_spec(
        {
            "apiVersion": "capacity/v1",
            "extends": "default",
            "budget_policy": {"rules": [{"name": "page-the-cto", "used_over": 0.5, "action": "Call the CTO."}]},
        },
        file="mine.yaml",
    )
    assert [r.name for r in spec.budget_policy.rules] == ["page-the-cto"]
    assert default_spec().budget_policy.rules[0].name == "freeze"  # the default is untouched


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"rules": []}, "budget_policy.rules"),
        ({"rules": [{"name": "x", "used_over": "lots", "action": "a"}]}, "budget_policy.rules[0].used_over"),
        ({"rules": [{"name": "x", "used_over": 1, "action": ""}]}, "budget_policy.rules[0].action"),
        ({"rules": [{"name": "x", "used_over": 1, "action": "a", "kinds": ["vibes"]}]}, "budget_policy.rules[0].kinds"),
        ({"rules": [{"name": "x", "used_over": 1, "action": "a", "colour": 1}]}, "budget_policy.rules[0].colour"),
        ({"rule": []}, "budget_policy.rule"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(doc, field):
    with pytest.raises(SpecError) as err:
        parse_budget_policy(doc, file="spec.yaml")
    assert err.value.field == field and "spec.yaml" in str(err.value)
