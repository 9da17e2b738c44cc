"""HTML reports opened in a real headless Chromium with the network closed.

Checks what a reader would see: no JavaScript error, every chart drawn (each
plotly div holds its ``svg.main-svg``), and label values carrying HTML or
script shown as text, never run. Chromium is Debian's ``/usr/bin/chromium``
(``chromium`` on PATH, or ``$CAPACITY_CHROMIUM``); a missing browser fails
the test with what to install.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from capacity.report import render

pytestmark = pytest.mark.integration

#: a label value that would run script, inject markup or rename the page if it were not escaped
EVIL = '<img src=x onerror="document.title=\'PWNED\'"><b>bold</b><script>document.title="PWNED"</script>'


def chromium() -> str:
    path = os.environ.get("CAPACITY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("these tests need Chromium: apt-get install chromium (or set CAPACITY_CHROMIUM)", pytrace=False)
    return path


def open_page(page: Path, profile: Path, *, width: int | None = None) -> tuple[str, list[str]]:
    """Load ``page`` headless, offline (``width`` px wide); return the DOM after scripts ran and the console lines."""
    cmd = [
        chromium(),
        *([f"--window-size={width},900"] if width else []),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        # the network is closed: every host resolves to nothing and any proxy use goes nowhere
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=15000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


def charts(dom: str) -> list[str]:
    """The markup of each plotly chart container in the DOM."""
    starts = [m.start() for m in re.finditer(r'<div[^>]*class="[^"]*plotly-graph-div', dom)]
    return [dom[s:e] for s, e in zip(starts, starts[1:] + [len(dom)], strict=False)]


def assert_report_reads_well(html_path: Path, profile: Path, *, at_least: int) -> str:
    source = html_path.read_text()
    expected = len(re.findall(r"Plotly\.newPlot\(\s*\"", source))  # one call per figure in the page body
    assert expected >= at_least
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"?https?:", source)  # nothing fetched from outside
    dom, console = open_page(html_path, profile)
    errors = [line for line in console if "Uncaught" in line or "Error" in line]
    assert not errors, errors
    drawn = charts(dom)
    assert len(drawn) == expected, f"{len(drawn)} chart containers in the DOM, {expected} figures in the page"
    blank = [i for i, c in enumerate(drawn) if 'class="main-svg"' not in c]
    assert not blank, f"charts {blank} were not drawn"
    return dom


def _notebook_with_every_figure(directory: Path) -> None:
    code = f"""
import numpy as np, pandas as pd
from capacity.core import frame as cf
from capacity.report import show, show_table
from capacity.report import figures
from capacity.report.summary import md_escape
from IPython.display import Markdown, display
EVIL = {EVIL!r}
ds = pd.date_range("2026-07-01", periods=24 * 14, freq="h", tz="UTC")
f = cf.concat([cf.from_arrays(EVIL, ds, np.sin(np.arange(len(ds)) / 5) + 2), cf.from_arrays("b", ds, np.arange(len(ds)) / 100)])
show(figures.series_lines(f, title=EVIL, unit="1/s"))
show(figures.business_hours_heatmap(f, title="heat", unit="1/s", tz="America/New_York"))
d = pd.date_range("2026-07-01", periods=10, freq="D", tz="UTC")
comp = pd.DataFrame({{"slo": EVIL, "ds": d, "compliance": np.linspace(0.98, 0.999, 10), "target": 0.99}})
show(figures.compliance_over_time(comp))
show(figures.budget_burndown(comp.assign(budget_remaining=np.linspace(1, -0.2, 10))))
eps = pd.DataFrame({{"slo": [EVIL, "x"], "start": d[:2], "end": d[1:3], "severity": ["page", EVIL], "burn_rate": [14.4, 6.0]}})
show(figures.burn_rate_episodes(eps))
show(figures.alert_timeline(eps.rename(columns={{"slo": "alert"}})))
fc = pd.DataFrame({{"ds": d + pd.Timedelta(days=10), "mean": np.arange(10.0)}})
for lv, w in ((80, 1), (95, 2)):
    fc[f"lo-{{lv}}"] = fc["mean"] - w; fc[f"hi-{{lv}}"] = fc["mean"] + w
show(figures.fan_chart(pd.DataFrame({{"ds": d, "y": np.arange(10.0)}}), fc, title="fan", unit="bytes", threshold=8, threshold_label=EVIL))
show(figures.time_to_threshold(pd.DataFrame({{"name": [EVIL, "y"], "days": [10.0, float("nan")]}}), horizon_days=90))
show_table(pd.DataFrame({{"series": [EVIL], "value": [1.0]}}))
display(Markdown("label: " + md_escape(EVIL)))
"""  # noqa: E501 (embedded notebook code / YAML document)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("source = 'sample'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Every figure"), params, nbformat.v4.new_code_cell(code)]
    directory.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, directory / "every_figure.ipynb")


def test_every_figure_draws_offline_and_label_markup_stays_text(tmp_path):
    _notebook_with_every_figure(tmp_path / "nb")
    result = render("every_figure", out_dir=tmp_path / "out", notebooks=tmp_path / "nb")
    dom = assert_report_reads_well(result.html, tmp_path / "profile", at_least=8)
    title = re.search(r"<title>(.*?)</title>", dom).group(1)
    assert title == "Every figure"  # neither onerror nor the script ran
    assert "<b>bold</b>" not in dom and '<img src="x"' not in dom
    # the label is on the page as text (escaped in the serialized DOM), in the table and the Markdown
    assert dom.count("&lt;b&gt;bold&lt;/b&gt;") >= 2


def _incident_rows(page: str) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """(start, end, alerts) of the incidents table, read back from the page."""
    part = page.split("incident(s)</strong>", 1)[1].split("</table>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        if not cells:  # the header row
            continue
        local = [pd.Timestamp(c.rsplit(" ", 1)[0]).tz_localize("America/New_York") for c in cells[:2]]
        rows.append((local[0].tz_convert("UTC"), local[1].tz_convert("UTC"), cells[3]))
    return rows


_MEASURE = """<script>window.addEventListener("load", () => setTimeout(() => {
  const wide = [...document.querySelectorAll("table, div.plotly-graph-div, pre, img")]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.tagName + ": " + (e.innerText || "").slice(0, 40));
  const root = document.documentElement;
  document.body.setAttribute("data-overflow", root.scrollWidth - root.clientWidth);
  document.body.setAttribute("data-wide", wide.join(" | "));
}, 2000));</script>"""


def overflow_at(page: Path, width: int, profile: Path) -> tuple[int, str]:
    """How many px the page scrolls sideways at ``width`` px, and the elements past the right edge."""
    copy = page.with_name(f"measure-{width}.html")
    copy.write_text(page.read_text().replace("</body>", _MEASURE + "</body>"))
    dom, _ = open_page(copy, profile, width=width)
    over = re.search(r'data-overflow="(-?\d+)"', dom)
    wide = re.search(r'data-wide="([^"]*)"', dom)
    assert over is not None, "the measuring script did not run"
    return int(over.group(1)), html.unescape(wide.group(1)) if wide else ""


def test_quarterly_review_reads_well_in_chromium(tmp_path):
    result = render("quarterly_review", {"today": "2026-12-01"}, out_dir=tmp_path / "out", pdf=True)
    dom = assert_report_reads_well(result.html, tmp_path / "profile", at_least=10)
    # the decision document first: the summary comes before any chart, and names what was missed
    summary = dom[dom.index('id="Summary"') : dom.index('id="SLOs:-compliance-and-error-budget"')]
    first_chart = re.search(r'<div[^>]*class="[^"]*plotly-graph-div', dom)
    assert first_chart is not None and dom.index('id="Summary"') < first_chart.start()
    text = html.unescape(re.sub(r"<[^>]+>", "", summary))
    import capacity

    d = capacity.app.review.data(quarter="latest")
    s = capacity.app.review.slo(d)
    missed = s.compliance.loc[~s.compliance["met"].fillna(True).astype(bool), "slo"].tolist()
    assert missed and f"missed: {', '.join(missed)}" in text, text
    pages = set(s.burn_episodes.loc[s.burn_episodes["severity"] == "page", "series"])
    assert pages and all(p in text for p in pages), (pages, text)
    assert re.search(r"it spent [a-z0-9-]+ \d+%.* of the quarter's budget", text), text  # the page's cost
    for slo_name in missed:  # every missed SLO has a recommendation with a number
        assert re.search(rf"(Add|Remove) \d+% capacity for .*{slo_name}|{slo_name}.*\d", text), slo_name
    # due dates are said against the day the report is read (injected), not the quarter's end
    assert "Read on 2026-12-01" in html.unescape(re.sub(r"<[^>]+>", "", dom))
    assert re.search(r"overdue since 2026-1\d-\d\d \(\d+ days?\)", text), text
    for width in (1024, 1280):
        over, wide = overflow_at(result.html, width, tmp_path / f"profile-{width}")
        assert over <= 0, f"the page scrolls {over} px sideways at {width} px: {wide}"
    # the PDF beside it holds every section (read back with poppler's pdftotext)
    assert result.pdf is not None and result.pdf == result.html.with_suffix(".pdf")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "these tests need pdftotext: apt-get install poppler-utils"
    pdf_text = subprocess.run([pdftotext, "-layout", str(result.pdf), "-"], capture_output=True, text=True, check=True)
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", dom, flags=re.S)
    titles = [html.unescape(re.sub(r"<[^>]+>", "", h)).replace("¶", "").strip() for h in headings]
    assert len(titles) >= 8, titles
    missing = [t for t in titles if t not in pdf_text.stdout]
    assert not missing, f"sections not in the PDF: {missing}"
    assert "Top actions" in pdf_text.stdout.split("SLOs: compliance and error budget")[0]  # the summary comes first
    size = result.html.stat().st_size
    assert size < 10 * 2**20, f"report is {size / 2**20:.1f} MiB"
    assert "2026Q3: 2026-07-01 to 2026-09-30" in dom
    # the incidents planted in the bundled history's September (its generator's calendar, not the
    # report's code) each show up as an incident naming the runbook alert they trip
    from capacity.sample.events import INCIDENTS

    expected = {"error_spike": "HighErrorRate", "outage": "ServiceDown", "memory_pressure": "HighMemoryUsage"}
    rows = _incident_rows(dom)
    for inc in INCIDENTS:
        if inc.kind in expected and pd.Timestamp("2026-07-01T04:00Z") <= inc.start < pd.Timestamp("2026-10-01T04:00Z"):
            assert any(s < inc.end and e > inc.start and expected[inc.kind] in alerts for s, e, alerts in rows), (
                inc,
                rows,
            )
    assert "Grow the disk volumes" in dom  # disk_free_ratio trends to the 10% line within 90 days
