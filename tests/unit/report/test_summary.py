"""CI summary: verdict, exit code, Markdown and JSON, escaping checked by a Markdown renderer."""

from __future__ import annotations

import html
import json
import re

import mistune
import numpy as np
import pandas as pd
import pytest

from capacity.core.errors import DataError
from capacity.report.summary import exit_code, md_escape, summarize, to_json, to_markdown

AS_OF = pd.Timestamp("2026-10-01", tz="UTC")
H = pd.Timedelta(days=90)
EVIL = 'disk{mount="<script>alert(1)</script>"} | **bold** [x](http://e) `c` <b>b</b> _i_ #h'
NaT = pd.NaT


def _table(**over):
    t = pd.DataFrame(
        {
            "name": ["db_size_bytes", "users_total", "file_storage_bytes", EVIL],
            "threshold": [1e12, 5e6, 2e12, 0.1],
            "unit": ["bytes", "users", "bytes", "ratio"],
            "last": [6e11, 1e6, 1.2e12, 0.4],
            "crossing": [AS_OF + pd.Timedelta(days=40), NaT, AS_OF + H + pd.Timedelta(hours=10), NaT],
            "crossing_early": [AS_OF + pd.Timedelta(days=25), NaT, AS_OF + pd.Timedelta(days=70), NaT],
        }
    )
    for k, v in over.items():
        t[k] = v
    return t


def _html(md: str) -> str:
    return mistune.create_markdown(plugins=["table", "strikethrough"])(md)


def test_verdict_and_exit_code():
    s = summarize(_table(), as_of=AS_OF, horizon=H, source="sample")
    assert s.crossed == ["db_size_bytes"] and s.at_risk == ["file_storage_bytes"]
    assert exit_code(s) == 1
    assert list(s.table["name"])[:2] == ["db_size_bytes", "file_storage_bytes"]
    assert s.table.loc[0, "days"] == pytest.approx(40.0)
    clear = summarize(_table(crossing=[NaT] * 4), as_of=AS_OF, horizon=H, source="sample")
    assert exit_code(clear) == 0 and clear.crossed == []


def test_horizon_edge_is_inclusive_and_not_rounded():
    at_edge = summarize(_table(crossing=[AS_OF + H, NaT, NaT, NaT]), as_of=AS_OF, horizon=H, source="s")
    assert at_edge.crossed == ["db_size_bytes"]
    # 90.4 days would round to 90 but is after the horizon
    past = summarize(
        _table(crossing=[AS_OF + H + pd.Timedelta(days=0.4), NaT, NaT, NaT]), as_of=AS_OF, horizon=H, source="s"
    )
    assert past.crossed == [] and exit_code(past) == 0


def test_missing_column_is_named():
    with pytest.raises(DataError) as info:
        summarize(_table().drop(columns="crossing_early"), as_of=AS_OF, horizon=H, source="s")
    assert info.value.column == "crossing_early"


def test_markdown_renders_to_a_table_with_the_verdict_and_charts():
    s = summarize(_table(), as_of=AS_OF, horizon=H, source="sample")
    md = to_markdown(s, {"db_size_bytes": "capacity-forecast-db_size_bytes.png"})
    page = _html(md)
    rows = re.findall(r"<tr>", page)
    assert len(rows) == 1 + 4  # header + one per threshold
    assert "FORECAST TO CROSS" in page and "db_size_bytes" in page and "THRESHOLD CROSSED" not in page
    assert '<img src="capacity-forecast-db_size_bytes.png"' in page
    assert "2026-11-10 (in 40 d)" in page  # 2026-10-01 + 40 days


def test_label_values_with_markup_are_escaped_in_markdown():
    s = summarize(_table(crossing=[NaT, NaT, NaT, AS_OF + pd.Timedelta(days=3)]), as_of=AS_OF, horizon=H, source="s")
    page = _html(to_markdown(s, {EVIL: "x.png"}))
    for tag in ("<script", "<b>", "<strong>bold", "<a ", "<em>i", "<code>c</code>", "<h1>h"):
        assert tag not in page, tag
    # the text a reader sees is the label, verbatim
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", page)]
    assert EVIL in cells
    assert EVIL in html.unescape(re.sub(r"<[^>]+>", "", page.split("FORECAST TO CROSS", 1)[1].split("</p>")[0]))


def test_md_escape_folds_newlines():
    assert "\n" not in md_escape("a\nb|c")
    cell = _html(f"| h |\n|--|\n| {md_escape('a|b')} |\n")
    assert cell.count("<td>") == 1 and "a|b" in cell


def test_json_is_strict_and_complete():
    s = summarize(_table(), as_of=AS_OF, horizon=H, source="sample")
    doc = json.loads(to_json(s))
    assert doc["status"] == "crossed" and doc["exit_code"] == 1 and doc["crossed"] == ["db_size_bytes"]
    assert doc["horizon_days"] == 90.0 and doc["as_of"] == "2026-10-01T00:00:00+00:00"
    by = {r["name"]: r for r in doc["thresholds"]}
    assert by["users_total"]["crossing"] is None and by["users_total"]["days"] is None
    assert by["db_size_bytes"]["crossing"] == "2026-11-10T00:00:00+00:00" and by["db_size_bytes"]["within"] is True
    assert EVIL in by  # JSON carries the raw label; it is data, escaped by whoever renders it
    assert not np.isnan(by["db_size_bytes"]["days"])


def test_markdown_shows_thresholds_and_last_values_in_their_units():
    page = _html(to_markdown(summarize(_table(), as_of=AS_OF, horizon=H, source="sample")))
    # 1e12 bytes = 1 TB (SI), 6e11 = 600 GB; ratios as percentages; other units as number + unit
    assert "1 TB" in page and "600 GB" in page
    assert "10.0%" in page and "40.0%" in page
    assert "5,000,000 users" in page
    assert "e+" not in page
