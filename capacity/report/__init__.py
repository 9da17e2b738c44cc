"""Reports: parameterized notebooks rendered to HTML, plotly figures, CI summaries.

- :func:`render` executes ``notebooks/NAME.ipynb`` with papermill and exports
  a self-contained HTML page (:mod:`.rendering`, :mod:`.html`);
- :func:`read_parameters` reads a notebook's ``parameters`` cell (:mod:`.params`);
- :mod:`.figures` builds plotly figures from tidy frames; :mod:`.output`
  shows them in notebooks and writes PNGs; :mod:`capacity.present` is how every
  table shows its values (units, percentages, durations, times; display only);
- :mod:`.slo_views` and :mod:`.forecast_views` reshape results for tables and charts;
- :mod:`.summary` and :mod:`.ci` write the CI capacity-forecast Markdown, JSON and PNGs.

Nothing here computes a number: the use cases (:mod:`capacity.app`) do, and this shows them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below load on first use: `import capacity` needs no plotly, papermill or nbconvert
    from .. import present
    from ..present import Col, format_frame
    from . import figures, forecast_views, headroom_figure, slo_views
    from .html import export_html
    from .output import figure_html, show, show_table, skipped, table_html, table_text, write_png
    from .params import NotebookParameter, read_parameters
    from .rendering import RenderResult, available, render
    from .summary import md_escape

#: public name -> (module, attribute or None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "present": ("capacity.present", None),
    "Col": ("capacity.present", "Col"),
    "format_frame": ("capacity.present", "format_frame"),
    "figures": ("capacity.report.figures", None),
    "forecast_views": ("capacity.report.forecast_views", None),
    "headroom_figure": ("capacity.report.headroom_figure", None),
    "slo_views": ("capacity.report.slo_views", None),
    "export_html": ("capacity.report.html", "export_html"),
    "figure_html": ("capacity.report.output", "figure_html"),
    "show": ("capacity.report.output", "show"),
    "show_table": ("capacity.report.output", "show_table"),
    "skipped": ("capacity.report.output", "skipped"),
    "table_html": ("capacity.report.output", "table_html"),
    "table_text": ("capacity.report.output", "table_text"),
    "write_png": ("capacity.report.output", "write_png"),
    "NotebookParameter": ("capacity.report.params", "NotebookParameter"),
    "read_parameters": ("capacity.report.params", "read_parameters"),
    "RenderResult": ("capacity.report.rendering", "RenderResult"),
    "available": ("capacity.report.rendering", "available"),
    "render": ("capacity.report.rendering", "render"),
    "md_escape": ("capacity.report.summary", "md_escape"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'capacity.report' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    return value if attr is None else getattr(value, attr)


__all__ = [
    "Col",
    "NotebookParameter",
    "RenderResult",
    "available",
    "export_html",
    "figure_html",
    "figures",
    "forecast_views",
    "headroom_figure",
    "md_escape",
    "present",
    "format_frame",
    "read_parameters",
    "render",
    "show",
    "show_table",
    "skipped",
    "slo_views",
    "table_html",
    "table_text",
    "write_png",
]
