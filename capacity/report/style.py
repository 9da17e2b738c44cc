"""Shared look of every figure: readable without colour, titled, with units.

Each trace gets a colour *and* a dash style *and* a marker symbol from three
cycles of different lengths, so two series never differ by colour alone.
"""

from __future__ import annotations

import html as _html
from typing import Any

import plotly.graph_objects as go

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down")
THRESHOLD_COLOUR = "#B00020"
TARGET_COLOUR = "#333333"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def trace_style(i: int) -> dict[str, Any]:
    """Line/marker keyword arguments for the ``i``-th trace of a figure."""
    return {
        "line": {"color": COLOURS[i % len(COLOURS)], "dash": DASHES[i % len(DASHES)], "width": 2},
        "marker": {"color": COLOURS[i % len(COLOURS)], "symbol": SYMBOLS[i % len(SYMBOLS)], "size": 7},
    }


def esc(text: object) -> str:
    """Escape text that plotly renders as HTML-ish markup (titles, names, hover text)."""
    return _html.escape(str(text), quote=False)


def legend_rows(fig: go.Figure, *, width: float = 1000.0) -> int:
    """How many rows the horizontal legend above the plot takes (at least 1), estimated from the
    legend names at the house font size, so the top margin keeps it clear of the title."""
    import re

    items = [
        re.sub(r"&[a-z]+;|&#\d+;", "x", str(t.name or "")) for t in fig.data if t.showlegend is not False and t.name
    ]
    rows, used = 1, 0.0
    for name in items:
        w = 48 + 7.8 * len(name)  # symbol + gap + text
        if used and used + w > width:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def layout(fig: go.Figure, *, title: str, y_title: str, x_title: str = "", height: int = 460) -> go.Figure:
    """Apply the house layout: title, axis titles with units, legend, white background."""
    fig.update_layout(
        title={"text": esc(title), "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top"},
        template="plotly_white",
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 70, "r": 30, "t": 64 + 24 * legend_rows(fig), "b": 55},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0.0},
        hovermode="x unified",
    )
    fig.update_yaxes(title_text=esc(y_title), showline=True, linecolor="#888", ticks="outside")
    fig.update_xaxes(title_text=esc(x_title), showline=True, linecolor="#888", ticks="outside")
    return fig


#: catalog unit -> (axis title, plotly tickformat, tick suffix); bytes use SI prefixes like the tables
_AXES: dict[str, tuple[str, str, str]] = {
    "bytes": ("bytes (SI: 1 GB = 10⁹ B)", "~s", "B"),
    "bytes/s": ("bytes per second (SI)", "~s", "B/s"),
    "ratio": ("ratio, as %", ".1~%", ""),
    "seconds": ("seconds", "~s", "s"),
    "1/s": ("per second (1/s)", "~s", ""),
}


def unit_axis(fig: go.Figure, unit: str, *, axis: str = "y") -> go.Figure:
    """Title and tick labels of ``axis`` in ``unit`` (a catalog unit): ``220 GB`` not ``220B``
    (plotly's SI ``B`` would read as billions), ratios as ``10%``."""
    title, tickformat, suffix = _AXES.get(unit, (unit, "", ""))
    update = {"title_text": esc(title), "tickformat": tickformat, "ticksuffix": esc(suffix)}
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**update)
    return fig


def unit_name(unit: str) -> str:
    """A unit as words for titles and legends (``1/s`` -> ``per second``)."""
    return _AXES.get(unit, (unit, "", ""))[0].split(" (")[0]
