"""SLO specs, project files and catalogs that are not what they claim: not UTF-8, alias bombs, deep
nesting, wrong types, values out of range, and windows or steps that overflow."""

from __future__ import annotations

from ..harness import Case

SPEC_HEAD = "apiVersion: capacity/v1\nkind: SLOSpec\n"


def _slo(**fields: str) -> str:
    base = {
        "name": "errors",
        "objective": "0.99",
        "window": "30d",
        "sli": "{kind: ratio, bad: {query: 'http_requests_total{status=\"5xx\"}', counter: true}, "
        "total: {query: http_requests_total, counter: true}}",
    }
    base.update(fields)
    body = "\n".join(f"    {k}: {v}" for k, v in base.items())
    return SPEC_HEAD + "slos:\n  - " + body.lstrip() + "\n"


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BIG = "x" * 200_000
SLO = ("slo", "--spec", "spec.yaml", "--window", "7d")
PULL = ("pull", "cpu_utilization", "--config", "capacity.yaml", "--start", "2026-09-29")

CASES = [
    # SLO specs
    Case(
        "spec-not-utf8",
        SLO,
        files={"spec.yaml": b"apiVersion: capacity/v1\nkind: \xff\xfe\n"},
        names=("spec.yaml", "UTF-8"),
    ),
    Case("spec-alias-bomb", SLO, files={"spec.yaml": SPEC_HEAD + _bomb()}, names=("spec.yaml",), timeout=30),
    Case("spec-deep-nesting", SLO, files={"spec.yaml": "[" * 50_000 + "]" * 50_000}, names=("spec.yaml",)),
    Case("spec-empty", SLO, files={"spec.yaml": ""}, names=("spec.yaml",)),
    Case("spec-a-list", SLO, files={"spec.yaml": "- 1\n- 2\n"}, names=("spec.yaml",)),
    Case(
        "spec-bad-version",
        SLO,
        files={"spec.yaml": "apiVersion: capacity/v9\nkind: SLOSpec\n"},
        names=("spec.yaml", "capacity/v9"),
    ),
    Case(
        "spec-yaml-syntax", SLO, files={"spec.yaml": SPEC_HEAD + "slos: [\n  {name: a\n"}, names=("spec.yaml", "line")
    ),
    Case("spec-tabs", SLO, files={"spec.yaml": SPEC_HEAD + "slos:\n\t- name: a\n"}, names=("spec.yaml",)),
    Case("spec-objective-150", SLO, files={"spec.yaml": _slo(objective="1.5")}, names=("spec.yaml", "objective")),
    Case("spec-objective-text", SLO, files={"spec.yaml": _slo(objective="high")}, names=("spec.yaml", "objective")),
    Case("spec-objective-nan", SLO, files={"spec.yaml": _slo(objective=".nan")}, names=("spec.yaml", "objective")),
    Case("spec-window-overflow", SLO, files={"spec.yaml": _slo(window="100000000d")}, names=("spec.yaml", "window")),
    Case("spec-window-zero", SLO, files={"spec.yaml": _slo(window="0d")}, names=("spec.yaml", "window")),
    Case(
        "spec-step-overflow",
        SLO,
        files={"spec.yaml": SPEC_HEAD + "step: 1000000y\n" + _slo().split("\n", 2)[2]},
        names=("spec.yaml", "step"),
    ),
    Case(
        "spec-huge-value-shown-short",
        SLO,
        files={"spec.yaml": _slo(objective=BIG)},
        names=("spec.yaml", "objective"),
        check=lambda run: _short(run.stderr),
    ),
    Case("spec-unknown-key", SLO, files={"spec.yaml": _slo(colour="red")}, names=("spec.yaml", "colour")),
    Case("spec-sli-kind", SLO, files={"spec.yaml": _slo(sli="{kind: vibes}")}, names=("spec.yaml", "vibes")),
    Case(
        "spec-duplicate-names",
        SLO,
        files={"spec.yaml": _slo() + _slo().split("slos:\n", 1)[1]},
        names=("spec.yaml", "errors"),
    ),
    Case(
        "openslo-missing-fields",
        SLO,
        files={"spec.yaml": "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec: {}\n"},
        names=("spec.yaml",),
    ),
    Case(
        "rules-spec-alias-bomb",
        ("rules", "--spec", "spec.yaml"),
        files={"spec.yaml": SPEC_HEAD + _bomb()},
        names=("spec.yaml",),
        timeout=30,
    ),
    # project files (capacity.yaml)
    Case("config-not-utf8", PULL, files={"capacity.yaml": b"source: \xff\n"}, names=("capacity.yaml", "UTF-8")),
    Case("config-alias-bomb", PULL, files={"capacity.yaml": _bomb()}, names=("capacity.yaml",), timeout=30),
    Case(
        "config-deep-nesting",
        PULL,
        files={"capacity.yaml": "a: " + "{b: " * 5000 + "1" + "}" * 5000},
        names=("capacity.yaml",),
    ),
    Case("config-unknown-key", PULL, files={"capacity.yaml": "sauce: sample\n"}, names=("capacity.yaml", "sauce")),
    Case("config-source-number", PULL, files={"capacity.yaml": "source: 42\n"}, names=("capacity.yaml", "source")),
    Case(
        "config-limits-text",
        PULL,
        files={"capacity.yaml": "limits: {max_points: lots}\n"},
        names=("limits.max_points",),
    ),
    Case(
        "config-limits-unknown",
        PULL,
        files={"capacity.yaml": "limits: {max_memory: 1}\n"},
        names=("limits.max_memory",),
    ),
    Case("config-coverage-2", PULL, files={"capacity.yaml": "coverage_floor: 2\n"}, names=("coverage_floor",)),
    Case("config-timezone-mars", PULL, files={"capacity.yaml": "timezone: Mars/Olympus\n"}, names=("Mars/Olympus",)),
    Case("config-slos-missing-file", PULL, files={"capacity.yaml": "slos: nope.yaml\n"}, names=("nope.yaml",)),
    Case(
        "config-planning-missing-file",
        ("forecast", "users_total", "--config", "capacity.yaml", "--horizon", "7d"),
        files={"capacity.yaml": "planning: nope.yaml\n"},
        names=("nope.yaml",),
    ),
    Case("config-is-a-directory", ("pull", "cpu_utilization", "--config", "home"), names=("home",)),
    Case("config-missing", ("pull", "cpu_utilization", "--config", "nope.yaml"), names=("nope.yaml",)),
    Case(
        "config-env-missing",
        ("pull", "cpu_utilization"),
        env={"CAPACITY_CONFIG": "{dir}/nope.yaml"},
        names=("nope.yaml",),
    ),
    Case("config-cache-size", PULL, files={"capacity.yaml": "cache: {max_size: huge}\n"}, names=("cache.max_size",)),
    # catalogs
    Case(
        "catalog-step-overflow",
        PULL,
        files={"capacity.yaml": "catalog:\n  cpu_utilization: {step: 1000000y}\n"},
        names=("capacity.yaml", "step"),
    ),
    Case(
        "catalog-query-number",
        PULL,
        files={"capacity.yaml": "catalog:\n  cpu_utilization: {query: 42}\n"},
        names=("capacity.yaml", "query"),
    ),
    Case(
        "catalog-bounds-reversed",
        PULL,
        files={"capacity.yaml": "catalog:\n  cpu_utilization: {lower: 1, upper: 0}\n"},
        names=("capacity.yaml", "cpu_utilization"),
    ),
    Case(
        "catalog-env-missing",
        ("pull", "cpu_utilization"),
        env={"CAPACITY_CATALOG": "{dir}/nope.yaml"},
        names=("nope.yaml",),
    ),
    Case(
        "catalog-env-bomb",
        ("pull", "cpu_utilization"),
        files={"cat.yaml": "version: 1\n" + _bomb()},
        env={"CAPACITY_CATALOG": "{dir}/cat.yaml"},
        names=("cat.yaml",),
        timeout=30,
    ),
]


def _short(stderr: str) -> None:
    assert len(stderr) < 1000, f"a 200 kB value was echoed whole ({len(stderr)} characters)"
