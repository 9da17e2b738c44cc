"""One column system for the CLI's text tables and the reports' HTML tables (capacity.present).

The CLI golden files were written by `capacity slo --month 2026-09` and `capacity alerts --month 2026-09`
before the CLI's own Column/format_table system was folded into capacity.present.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from capacity import present
from capacity.cli import main
from capacity.present import text
from capacity.report import table_html

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _episodes(alerts: list[str], series: list[str], peaks: list[float]) -> pd.DataFrame:
    n = len(alerts)
    start = pd.Timestamp("2026-09-03T15:06:00Z")
    return pd.DataFrame(
        {
            "alert": alerts,
            "series": series,
            "priority": ["high"] * n,
            "severity": ["page"] * n,
            "start": [start] * n,
            "end": [start + pd.Timedelta(minutes=21)] * n,
            "duration_seconds": [1260.0] * n,
            "peak": peaks,
        }
    )


def _header_and_cells(html: str, column: int) -> tuple[str, list[str]]:
    heads = [h.split(">", 1)[1] for h in html.split("<thead>")[1].split("</thead>")[0].split("</th>")[:-1]]
    body = html.split("<tbody>")[1]
    rows = [r for r in body.split("<tr>")[1:]]
    cells = [[c.split(">", 1)[1] for c in r.split("</td>")[:-1]][column] for r in rows]
    return heads[column], cells


def test_episode_peak_is_labelled_for_its_table_in_html() -> None:
    alerts = _episodes(["HighErrorRate", "HighResponseTime"], ["error_ratio", "latency_mean_seconds"], [0.1218, 2.1666])
    burn = _episodes(["error-rate:page-1h"], ["error-rate"], [14.43])
    cols = ["alert", "duration_seconds", "peak"]

    alert_html = table_html(
        alerts, cols, specs=present.ALERT_EPISODES, units={"HighErrorRate": "ratio", "HighResponseTime": "seconds"}
    )
    header, cells = _header_and_cells(alert_html, 2)
    assert header == "Peak value" and cells == ["12.2%", "2.17 s"]  # each in its metric's unit

    burn_html = table_html(burn, cols, specs=present.BURN_EPISODES)
    header, cells = _header_and_cells(burn_html, 2)
    assert header == "Peak burn rate" and cells == ["14.4×"]

    # no table set: no label that claims a burn rate for an arbitrary peak
    assert "burn rate" not in table_html(alerts, cols)
    assert _header_and_cells(alert_html, 1) == ("Duration", ["21m", "21m"])


def test_cli_and_html_tables_share_the_specs() -> None:
    frame = pd.DataFrame(
        {
            "objective": [0.99],
            "no_data_minutes": [252.0],
            "bad": [791639.0],
            "gone": [float("nan")],
            "rate": [float("inf")],
        }
    )
    specs = {
        "objective": present.Col("objective", "ratio_trim", 3),
        "no_data_minutes": present.Col("no data", "minutes"),
        "bad": present.Col("bad", "count"),
        "gone": present.Col("gone", "ratio"),
        "rate": present.Col("rate", "number"),
    }
    html = present.format_frame(frame, specs=specs)
    assert html.rows == [["99%", "4h 12m", "791,639", "–", "∞"]]
    header, row = text.table(frame, specs=specs).splitlines()
    assert header.split() == ["objective", "no", "data", "bad", "gone", "rate"]
    assert row.split() == ["99%", "4h", "12m", "791,639", "+Inf"]  # blank when missing, +Inf in the CLI's spelling


def test_cli_tables_unchanged(capsys) -> None:
    assert main(["slo", "--month", "2026-09"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "cli_slo_2026-09.txt").read_text(encoding="utf-8")
    assert main(["alerts", "--month", "2026-09"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "cli_alerts_2026-09.txt").read_text(encoding="utf-8")


def test_cli_burn_rate_peaks_show_as_burn_rates(capsys) -> None:
    assert main(["alerts", "--month", "2026-09", "--burn", "--alert", "HighErrorRate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    peak = lines[0].split().index("peak") - len(lines[0].split())  # from the right: alert names have no spaces
    by_alert = {line.split()[0]: line.split()[peak] for line in lines[1:]}
    assert by_alert["HighErrorRate"] == "12.2%"  # a ratio metric
    burn = {a: p for a, p in by_alert.items() if ":" in a}
    assert burn and all(p.endswith("×") for p in burn.values())


def test_present_never_imports_plotly_or_the_report_layer() -> None:
    import ast

    from tests.unit.test_architecture import _imports, _modules

    mods = _modules()
    todo, seen = [m for m in mods if m.startswith("capacity.present")], set()
    while todo:  # everything capacity.present imports, transitively
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        path, is_pkg = mods[m]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        outside = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
            n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level
        }
        assert not {x for x in outside if x.split(".")[0] == "plotly"}, m
        todo.extend(_imports(m, path, is_pkg, mods))
    assert "capacity.present.text" in seen and not {m for m in seen if m.startswith("capacity.report")}


def test_times_show_on_the_clock_asked_for_and_say_which():
    frame = pd.DataFrame({"start": pd.to_datetime(["2026-09-03T15:06:00Z"]), "n": [1]})
    header, row = text.table(frame, tz="America/New_York").splitlines()
    assert header.split()[:2] == ["start", "(America/New_York)"] and row.split()[:2] == ["2026-09-03", "11:06:00"]
    header, row = text.table(frame).splitlines()
    assert "(UTC)" in header and "15:06:00" in row
    assert '"2026-09-03T15:06:00Z"' in text.render(frame, "json", tz="America/New_York")  # files keep UTC
