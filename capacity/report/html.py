"""A self-contained HTML page from an executed notebook.

Inputs and prompts are hidden, ``stderr`` streams and cells tagged
``remove`` are left out, and plotly.js is embedded once in the page head
(from the installed plotly package: no CDN, no network). The page uses
nbconvert's ``basic`` template (body only), wrapped here in a small document
of its own, so nothing in it points at an outside script, font or style.
"""

from __future__ import annotations

import copy
import html as _html

import nbformat

__all__ = ["export_html", "PLOTLY_MARKER", "CSS"]

#: the text every plotly figure div rendered by figures.to_html carries
PLOTLY_MARKER = "Plotly.newPlot"

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       margin: 0; background: #fafafa; color: #1f2328; line-height: 1.5; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 1.9em; border-bottom: 2px solid #d0d7de; padding-bottom: .3em; }
h2 { font-size: 1.45em; margin-top: 2em; border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
h3 { font-size: 1.15em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: right; vertical-align: top; }
th { background: #f3f4f6; }
td:first-child, th:first-child { text-align: left; }
tbody tr:nth-child(even) { background: #f8f9fa; }
.cap-table th, .cap-table td { text-align: left; white-space: nowrap; }
.cap-table th { white-space: normal; vertical-align: bottom; }
.cap-table th.num, .cap-table td.num { text-align: right; }
.cap-table td.wrap { white-space: normal; min-width: 16em; }
pre { background: #f6f8fa; padding: 8px 12px; overflow-x: auto; font-size: .88em; }
code { background: #f3f4f6; padding: 0 3px; border-radius: 3px; }
.cap-status-ok { font-weight: 600; }
.cap-status-bad { font-weight: 700; text-decoration: underline; }
.jp-RenderedText pre, .output_text pre { background: none; padding: 0; }
footer { color: #57606a; font-size: .85em; margin-top: 3em; }
/* print (capacity report --pdf): a chart, a table row, a heading and what follows stay together */
@media print {
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  h2 { break-before: auto; }
  .plotly-graph-div, .js-plotly-plot, .jp-OutputArea-output, .output_subarea, tr, img, pre {
    break-inside: avoid; page-break-inside: avoid; }
  .modebar, .modebar-container { display: none !important; }
  table { font-size: .78em; }
  .cap-table td { overflow-wrap: break-word; }
}
@page { size: A4; margin: 14mm 12mm; }
/* a 1024 px page (a laptop, a projector, print): text cells wrap, numbers stay whole */
@media (max-width: 1180px), print {
  main { padding: 16px 14px 48px; }
  table { font-size: .84em; }
  th, td { padding: 3px 6px; }
  .cap-table td { white-space: normal; overflow-wrap: anywhere; }
  .cap-table td.num { white-space: nowrap; overflow-wrap: normal; }
  .cap-table td.wrap { min-width: 9em; }
}
"""


def _strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove", "remove_cell", "parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
            if not cell.outputs:
                continue
        cells.append(cell)
    out.cells = cells
    return out


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # get_plotlyjs() is the minified bundle; "</script" cannot occur in it, checked anyway
    js = get_plotlyjs()
    return js.replace("</script", "<\\/script")


def export_html(nb: nbformat.NotebookNode, *, title: str, footer: str = "") -> str:
    """The executed notebook ``nb`` as one self-contained HTML document (``footer``: plain text)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(_strip(nb))
    needs_plotly = PLOTLY_MARKER in body
    head_js = f'<script type="text/javascript">{_plotly_js()}</script>\n' if needs_plotly else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html.escape(title)}</title>\n<style>{CSS}</style>\n{head_js}</head>\n"
        f"<body>\n<main>\n{body}\n{f'<footer>{_html.escape(footer)}</footer>' if footer else ''}\n</main>\n"
        "</body>\n</html>\n"
    )
