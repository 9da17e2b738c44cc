"""Figures and tables out to the world: HTML fragments, notebook display, PNG files.

In a notebook run by papermill, ``fig.show()`` leaves nothing that nbconvert
can export, so report notebooks call :func:`show` instead: it displays an
HTML fragment (plotly.js is *not* included; :mod:`capacity.report.html`
embeds it once per page) plus plotly's own JSON for Jupyter front ends.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

__all__ = ["figure_html", "show", "table_html", "show_table", "write_png", "find_chromium"]

_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}


def figure_html(fig: go.Figure) -> str:
    """The figure as a ``<div>`` + ``<script>`` fragment, without plotly.js."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)


def show(fig: go.Figure) -> None:
    """Display a figure in a notebook so that the exported HTML draws it."""
    from IPython.display import display

    display({"text/html": figure_html(fig), "text/plain": f"<figure: {fig.layout.title.text or 'untitled'}>"},
            raw=True)


def _readable_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamp columns as text: ``2026-10-25`` when every value is a UTC midnight, else
    ``2026-10-25 14:10 UTC``; missing times stay missing."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            utc = s.dt.tz_convert("UTC")
            midnight = bool((utc.dropna() == utc.dropna().dt.normalize()).all())
            fmt = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M UTC"
            out[col] = utc.dt.strftime(fmt).where(utc.notna(), None)
    return out


def table_html(frame: pd.DataFrame, *, floatfmt: str = "{:,.4g}", index: bool = False) -> str:
    """A frame as an escaped HTML table (label values with markup show as text; times readable)."""
    return _readable_times(frame).to_html(index=index, escape=True, na_rep="–", border=0,
                                          float_format=lambda v: floatfmt.format(v), classes="cap-table")


def show_table(frame: pd.DataFrame, **kwargs: Any) -> None:
    """Display a frame as an escaped HTML table, with a plain-text fallback."""
    from IPython.display import display

    display({"text/html": table_html(frame, **kwargs), "text/plain": _readable_times(frame).to_string(index=False)},
            raw=True)


def find_chromium() -> str | None:
    """The browser kaleido should use: ``$BROWSER_PATH``, else chromium/chrome on ``PATH``."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def write_png(fig: go.Figure, path: "str | os.PathLike[str]", *, width: int = 1000, height: int | None = None,
              scale: float = 1.0) -> Path:
    """Write a static PNG with kaleido, which drives the system's chromium.

    kaleido 1.x (through choreographer) uses ``$BROWSER_PATH`` when set,
    else looks ``chromium``/``chrome`` up on ``PATH`` (Debian's
    ``/usr/bin/chromium``); it downloads nothing here. Without a browser this
    raises :class:`ReportError` saying so.
    """
    from ..errors import ReportError
    from .html import write_atomic

    browser = find_chromium()
    if browser is None:
        raise ReportError("PNG export needs chromium (Debian package 'chromium') on PATH or BROWSER_PATH",
                          notebook="")
    try:
        data = fig.to_image(format="png", width=width, height=height or int(fig.layout.height or 420), scale=scale)
    except Exception as exc:  # kaleido reports browser trouble with several types
        raise ReportError(f"PNG export of {path} failed: {exc}", notebook="") from exc
    return write_atomic(path, data)
