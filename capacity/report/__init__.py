"""Reports: parameterized notebooks rendered to HTML, plotly figures, CI summaries.

- :func:`render` executes ``notebooks/NAME.ipynb`` with papermill and exports
  a self-contained HTML page (:mod:`.render`, :mod:`.html`);
- :func:`read_parameters` reads a notebook's ``parameters`` cell (:mod:`.params`);
- :mod:`.figures` builds plotly figures from tidy frames; :mod:`.output`
  shows them in notebooks and writes PNGs; :mod:`capacity.present` is how every
  table shows its values (units, percentages, durations, times; display only);
- :mod:`.slo_views` and :mod:`.forecast_views` reshape results for tables and charts;
- :mod:`.summary` and :mod:`.ci` write the CI capacity-forecast Markdown, JSON and PNGs.

Nothing here computes a number: the use cases (:mod:`capacity.app`) do, and this shows them.
"""

from __future__ import annotations

from .. import present
from ..present import Col, format_frame
from . import figures, forecast_views, slo_views
from .html import export_html
from .output import figure_html, show, show_table, table_html, table_text, write_png
from .params import NotebookParameter, read_parameters
from .render import RenderResult, available, render
from .summary import md_escape

__all__ = [
    "Col",
    "NotebookParameter",
    "RenderResult",
    "available",
    "export_html",
    "figure_html",
    "figures",
    "forecast_views",
    "md_escape",
    "present",
    "format_frame",
    "read_parameters",
    "render",
    "show",
    "show_table",
    "slo_views",
    "table_html",
    "table_text",
    "write_png",
]
