"""The error budget policy (``capacity/defaults/budget_policy.yaml``) as data, and its verdict per SLO.

A policy is an ordered list of rules; an SLO gets the first rule whose ``used_over`` its budget used
exceeds and whose ``kinds`` include its SLI kind (no kinds: every kind). Validated once, at load.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core import yamlio
from ..core.errors import SpecError

__all__ = [
    "BudgetPolicy",
    "PolicyRule",
    "default_budget_policy",
    "load_budget_policy",
    "parse_budget_policy",
    "verdicts",
]

_KINDS = ("ratio", "latency_threshold", "latency_timeslice", "gauge_range", "utilization")


@dataclass(frozen=True)
class PolicyRule:
    name: str
    used_over: float
    action: str
    kinds: tuple[str, ...] = ()

    def applies(self, kind: str, used: float) -> bool:
        return (not self.kinds or kind in self.kinds) and used > self.used_over


@dataclass(frozen=True)
class BudgetPolicy:
    rules: tuple[PolicyRule, ...]

    def rule_for(self, kind: str, used: float) -> PolicyRule | None:
        """The first rule for an SLO of SLI ``kind`` that used ``used`` of its budget (None: no rule)."""
        if math.isnan(used):
            return None
        return next((r for r in self.rules if r.applies(kind, used)), None)


def parse_budget_policy(doc: object, *, file: str = "budget policy") -> BudgetPolicy:
    """Validate ``{rules: [{name, used_over, action, kinds?}, ...]}`` (a SpecError naming the field)."""

    def err(field: str, why: str) -> SpecError:
        return SpecError(f"{file}: budget_policy.{field}: {why}", file=file, field=f"budget_policy.{field}")

    if not isinstance(doc, Mapping):
        raise err("rules", f"expected a mapping with 'rules', got {type(doc).__name__}")
    extra = sorted(set(map(str, doc)) - {"apiVersion", "kind", "rules"})
    if extra:
        raise err(extra[0], "unknown field (allowed: rules)")
    raw = doc.get("rules")
    if not isinstance(raw, list) or not raw:
        raise err("rules", "expected a non-empty list of rules")
    rules = []
    for i, item in enumerate(raw):
        where = f"rules[{i}]"
        if not isinstance(item, Mapping):
            raise err(where, f"expected a mapping, got {type(item).__name__}")
        extra = sorted(set(map(str, item)) - {"name", "used_over", "action", "kinds"})
        if extra:
            raise err(f"{where}.{extra[0]}", "unknown field (allowed: name, used_over, action, kinds)")
        name, action, over = item.get("name"), item.get("action"), item.get("used_over")
        if not isinstance(name, str) or not name.strip():
            raise err(f"{where}.name", "every rule needs a non-empty name")
        if not isinstance(action, str) or not action.strip():
            raise err(f"{where}.action", "say what the team does (a sentence)")
        if isinstance(over, bool) or not isinstance(over, (int, float)) or not 0 <= over <= 100:
            raise err(f"{where}.used_over", f"expected a share of the budget (0 to 100, 1 = all of it), got {over!r}")
        kinds = item.get("kinds") or []
        if not isinstance(kinds, list) or any(k not in _KINDS for k in kinds):
            raise err(f"{where}.kinds", f"expected a list of SLI kinds ({', '.join(_KINDS)}), got {kinds!r}")
        rules.append(PolicyRule(name.strip(), float(over), " ".join(action.split()), tuple(kinds)))
    return BudgetPolicy(tuple(rules))


def load_budget_policy(path: str | Path) -> BudgetPolicy:
    return parse_budget_policy(yamlio.read(path, what="budget policy", error=SpecError), file=str(path))


def default_budget_policy() -> BudgetPolicy:
    """The packaged policy (``capacity/defaults/budget_policy.yaml``)."""
    return load_budget_policy(Path(__file__).resolve().parent.parent / "defaults" / "budget_policy.yaml")


def verdicts(policy: BudgetPolicy, compliance: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """The policy's verdict for each scored SLO of a compliance table (``slo``, ``budget_consumed``,
    ``status``): slo, used, verdict (the rule's name), action. ``kinds``: SLO name -> SLI kind.
    An SLO without a verdict (too little data) gets verdict "" and says why."""
    rows = []
    for slo, used, status in zip(compliance["slo"], compliance["budget_consumed"], compliance["status"], strict=True):
        rule = policy.rule_for(kinds.get(str(slo), ""), float(used)) if status == "ok" else None
        rows.append(
            {
                "slo": str(slo),
                "used": float(used),
                "verdict": rule.name if rule else "",
                "action": rule.action if rule else ("not judged: " + str(status)),
            }
        )
    return pd.DataFrame(rows, columns=["slo", "used", "verdict", "action"])
