"""Figures and tables out to the world: HTML fragments, notebook display, PNG files.

In a notebook run by papermill, ``fig.show()`` leaves nothing that nbconvert
can export, so report notebooks call :func:`show` instead: it displays an
HTML fragment (plotly.js is *not* included; :mod:`capacity.report.html`
embeds it once per page) plus plotly's own JSON for Jupyter front ends.
"""

from __future__ import annotations

import html as _html
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Unpack

import pandas as pd
import plotly.graph_objects as go

from ..core.status import Status
from ..present import TableOptions, format_frame

__all__ = ["figure_html", "show", "skipped", "table_html", "table_text", "show_table", "write_png", "find_chromium"]

_NUM = ' class="num"'
_WRAP = ' class="wrap"'


def _esc(text: str) -> str:
    return _html.escape(text, quote=True)


_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}


def figure_html(fig: go.Figure) -> str:
    """The figure as a ``<div>`` + ``<script>`` fragment, without plotly.js."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)


def show(fig: go.Figure) -> None:
    """Display a figure in a notebook so that the exported HTML draws it."""
    from IPython.display import display

    display({"text/html": figure_html(fig), "text/plain": f"<figure: {fig.layout.title.text or 'untitled'}>"}, raw=True)


def table_html(frame: pd.DataFrame, columns: Sequence[str] | None = None, **options: Unpack[TableOptions]) -> str:
    """A frame as an escaped HTML table with human headers and values shown by :mod:`capacity.present`
    (label values with markup show as text; numbers align right). ``options`` (``specs``, ``tz``,
    ``units``): as :func:`capacity.present.format_frame`."""
    t = format_frame(frame, columns, **options)
    cls = [_NUM if r else (_WRAP if any(len(row[i]) > 40 for row in t.rows) else "") for i, r in enumerate(t.right)]
    head = "".join(f"<th{_NUM if r else ''}>{_esc(h)}</th>" for h, r in zip(t.headers, t.right, strict=False))
    body = "".join(
        "<tr>" + "".join(f"<td{c}>{_esc(v)}</td>" for v, c in zip(row, cls, strict=False)) + "</tr>\n" for row in t.rows
    )
    return f'<table class="cap-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>'


def table_text(frame: pd.DataFrame, columns: Sequence[str] | None = None, **options: Unpack[TableOptions]) -> str:
    """The same table as aligned plain text (see :func:`table_html`)."""
    t = format_frame(frame, columns, **options)
    widths = [max([len(h)] + [len(r[i]) for r in t.rows]) for i, h in enumerate(t.headers)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, t.right, strict=False)
        ).rstrip()

    return "\n".join([line(t.headers)] + [line(r) for r in t.rows]) if t.rows else "(no rows)"


def show_table(frame: pd.DataFrame, columns: Sequence[str] | None = None, **options: Unpack[TableOptions]) -> None:
    """Display a frame as an escaped HTML table, with a plain-text fallback (see :func:`table_html`)."""
    from IPython.display import display

    display(
        {"text/html": table_html(frame, columns, **options), "text/plain": table_text(frame, columns, **options)},
        raw=True,
    )


def skipped(status: Status, what: str = "This section") -> bool:
    """In a notebook: True (after saying why) when ``status`` is not ok, so the caller leaves its
    chart or table out; False when it is, saying what was left out of it, if anything."""
    from IPython.display import Markdown, display

    from .summary import md_escape

    if not status.ok:
        display(Markdown(f"*{md_escape(what)}: left out ({md_escape(status.status)}). {md_escape(status.reason)}*"))
        return True
    if status.reason:
        display(Markdown(f"*{md_escape(status.reason)}*"))
    return False


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


def write_png(
    fig: go.Figure, path: str | os.PathLike[str], *, width: int = 1000, height: int | None = None, scale: float = 1.0
) -> Path:
    """Write a static PNG with kaleido, which drives the system's chromium.

    kaleido 1.x (through choreographer) uses ``$BROWSER_PATH`` when set,
    else looks ``chromium``/``chrome`` up on ``PATH`` (Debian's
    ``/usr/bin/chromium``); it downloads nothing here. Without a browser this
    raises :class:`ReportError` saying so.
    """
    from ..core.errors import ReportError
    from ..core.files import write_atomic

    browser = find_chromium()
    if browser is None:
        raise ReportError("PNG export needs chromium (Debian package 'chromium') on PATH or BROWSER_PATH", notebook="")
    try:
        data = fig.to_image(format="png", width=width, height=height or int(fig.layout.height or 420), scale=scale)
    except Exception as exc:  # kaleido reports browser trouble with several types
        raise ReportError(f"PNG export of {path} failed: {exc}", notebook="") from exc
    return write_atomic(path, data)
