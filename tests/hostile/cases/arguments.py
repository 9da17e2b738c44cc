"""Options out of range, overflowing, contradictory or malformed, against the bundled sample."""

from __future__ import annotations

from ..harness import Case

PULL = ("pull", "cpu_utilization")
RANGE = ("--start", "2026-09-29", "--end", "2026-10-01")

CASES = [
    # durations that overflow pandas or make no sense
    Case("step-overflow", (*PULL, "--step", "1000000y"), names=("--step", "longer than 100 years")),
    Case("step-zero", (*PULL, "--step", "0s"), names=("--step",)),
    Case("step-negative", (*PULL, "--step", "-5m"), names=("--step",)),
    Case("step-words", (*PULL, "--step", "five minutes"), names=("--step",)),
    Case("step-nan", (*PULL, "--step", "nanm"), names=("--step",)),
    Case("start-bad-month", (*PULL, "--start", "2026-13-45"), names=("--start",)),
    Case("start-relative-overflow", (*PULL, "--start", "now-1000000000d"), names=("--start",)),
    Case("start-after-end", (*PULL, "--start", "2026-10-01", "--end", "2026-09-01"), names=("--start", "--end")),
    Case("end-year-99999", (*PULL, "--end", "99999-01-01"), names=("--end",)),
    Case("start-unix-1e30", (*PULL, "--start", "1e30"), names=("--start",)),
    Case("start-unix-negative", (*PULL, "--start", "-1e12"), names=("--start",)),
    Case("start-empty", (*PULL, "--start", ""), names=("--start",)),
    Case(
        "budget-1s-for-centuries",
        ("pull", "users_total", "--start", "1970-01-01", "--end", "2262-01-01", "--step", "1s"),
        names=("9,214,646,401 points", "--max-points"),
    ),
    Case("max-points-zero", (*PULL, "--max-points", "0"), names=("--max-points",)),
    Case("max-points-text", (*PULL, "--max-points", "lots"), names=("--max-points",)),
    Case("max-points-small", (*PULL, *RANGE, "--max-points", "10"), names=("2,881 points", "limit of 10")),
    Case("format-unknown", (*PULL, "--format", "xml"), names=("--format",)),
    Case("metric-unknown", ("pull", "no_such_metric", *RANGE), names=("no_such_metric",)),
    Case("metric-empty", ("pull", "", *RANGE), names=("metric",)),
    Case("metric-promql-on-sample", ("pull", 'up{job="x"} or vector(1)', *RANGE), names=('up{job="x"} or vector(1)',)),
    Case("tz-on-sample", (*PULL, "--tz", "Europe/Paris"), names=("--tz",)),
    # slo / alerts windows
    Case("slo-window-centuries", ("slo", "--window", "100000d"), names=("window", "longer than 100 years")),
    Case("slo-window-zero", ("slo", "--window", "0d"), names=("window",)),
    Case("slo-window-negative", ("slo", "--window=-1d"), names=("window",)),
    Case("slo-window-budget", ("slo", "--window", "36525d"), names=("52,596,001 points", "--max-points")),
    Case("slo-month-13", ("slo", "--month", "2026-13"), names=("2026-13",)),
    Case("slo-month-year-99999", ("slo", "--month", "99999-01"), names=("99999-01",)),
    Case("slo-quarter-5", ("slo", "--quarter", "2026Q5"), names=("2026Q5",)),
    Case("slo-unknown-name", ("slo", "--slo", "no-such-slo"), names=("no-such-slo",)),
    Case("slo-tz-mars", ("slo", "--month", "2026-09", "--tz", "Mars/Olympus"), names=("Mars/Olympus",)),
    Case("slo-end-garbage", ("slo", "--end", "the day after"), names=("--end",)),
    Case("alerts-month-overflow", ("alerts", "--month", "2026-00"), names=("2026-00",)),
    Case("alerts-unknown", ("alerts", "--alert", "NoSuchAlert"), names=("NoSuchAlert",)),
    # forecast / backtest
    Case("horizon-overflow", ("forecast", "cpu_utilization", "--horizon", "1000000000d"), names=("--horizon",)),
    Case("horizon-zero", ("forecast", "cpu_utilization", "--horizon", "0d"), names=("--horizon",)),
    Case("horizon-words", ("forecast", "cpu_utilization", "--horizon", "a while"), names=("--horizon",)),
    Case("season-zero", ("forecast", "cpu_utilization", "--horizon", "7d", "--season", "0"), names=("--season",)),
    Case("season-negative", ("forecast", "cpu_utilization", "--horizon", "7d", "--season=-1"), names=("--season",)),
    Case(
        "season-longer-than-history",
        ("forecast", "cpu_utilization", "--horizon", "7d", "--season", "100000", "--format", "csv"),
        rc=0,
        names=("a season of 100000 steps needs",),
    ),
    Case("jobs-zero", ("forecast", "cpu_utilization", "--horizon", "7d", "--jobs", "0"), names=("--jobs",)),
    Case(
        "jobs-fork-bomb",
        ("forecast", "cpu_utilization", "--horizon", "7d", "--jobs", "100000", "--format", "csv"),
        rc=0,
        names=("--jobs 100000: this machine has",),
    ),
    Case("models-unknown", ("forecast", "cpu_utilization", "--horizon", "7d", "--models", "oracle"), names=("oracle",)),
    Case("windows-zero", ("backtest", "cpu_utilization", "--horizon", "7d", "--windows", "0"), names=("--windows",)),
    Case(
        "windows-huge",
        ("backtest", "cpu_utilization", "--horizon", "7d", "--windows", "100000"),
        names=("cpu_utilization", "too short"),
    ),
    # reports
    Case("report-unknown", ("report", "no_such_report"), names=("no_such_report",)),
    Case("report-param-unknown", ("report", "quarterly_review", "-p", "colour=red"), names=("colour",)),
    Case("report-param-bad-quarter", ("report", "quarterly_review", "-p", "quarter=2026Q9"), names=("2026Q9",)),
    Case(
        "report-param-code",
        ("report", "quarterly_review", "-p", "quarter=__import__('os').system('touch pwned')"),
        names=("quarter",),
        check=lambda run: _not_there(run.folder / "pwned"),
    ),
    Case("report-name-traversal", ("report", "../../etc/passwd"), names=("../../etc/passwd",)),
    # misc commands
    Case("rules-spec-missing", ("rules", "--spec", "nope.yaml"), names=("nope.yaml",)),
    Case("cache-prune-bad-size", ("cache", "prune", "--max-size", "a lot"), names=("a lot",)),
]


def _not_there(path) -> None:
    assert not path.exists(), f"{path} was created: a parameter ran as code"
