"""The headroom chart: latency against load with the fitted curve, the SLO line, today's peak and
the forecast peak. A pure function of frames (:mod:`capacity.loadmodels.curves`)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..loadmodels import curves
from ..loadmodels.compute import Fitted
from .figures import _need
from .style import COLOURS, TARGET_COLOUR, THRESHOLD_COLOUR, esc, layout

__all__ = ["latency_vs_load", "service_chart"]


def _mark(fig: go.Figure, x: float, text: str, colour: str, dash: str, where: str) -> None:
    if math.isfinite(x):
        fig.add_vline(
            x=x, line={"color": colour, "dash": dash, "width": 2}, annotation_text=esc(text), annotation_position=where
        )


def latency_vs_load(
    curve: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    title: str,
    objective: float,
    objective_label: str,
    today_peak: float = math.nan,
    forecast_peak: float = math.nan,
    max_rate: float = math.nan,
) -> go.Figure:
    """``curve``: ``rate, latency, lo, hi`` (the fit and its 80% band); ``observed``: ``rate, latency``
    (binned history). The SLO is a horizontal dotted line; today's peak, the forecast peak and the
    highest rate the SLO holds at are vertical lines, each named, so the chart reads without colour."""
    _need(curve, ("rate", "latency", "lo", "hi"), "latency_vs_load curve")
    _need(observed, ("rate", "latency"), "latency_vs_load observed")
    fig = go.Figure()
    edge = {"x": curve["rate"], "mode": "lines", "line": {"width": 0}, "legendgroup": "band"}
    fig.add_trace(go.Scatter(y=curve["hi"], showlegend=False, hoverinfo="skip", **edge))
    fig.add_trace(
        go.Scatter(y=curve["lo"], fill="tonexty", fillcolor="rgba(0,114,178,0.25)", name="80% interval", **edge)
    )
    fig.add_trace(
        go.Scatter(
            x=curve["rate"],
            y=curve["latency"],
            mode="lines",
            name="fitted curve",
            line={"color": COLOURS[0], "width": 2.5},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=observed["rate"],
            y=observed["latency"],
            mode="markers",
            name="history (binned medians)",
            marker={"color": "#222", "size": 7, "symbol": "circle-open"},
        )
    )
    fig.add_hline(
        y=objective,
        line={"color": THRESHOLD_COLOUR, "dash": "dot", "width": 2},
        annotation_text=esc(objective_label),
        annotation_position="top left",
    )
    # labels on alternate sides and heights: today's and the forecast peak are often close
    _mark(fig, today_peak, "today's peak", "#222", "solid", "top left")
    _mark(fig, forecast_peak, "forecast peak", COLOURS[1], "dash", "bottom right")
    _mark(fig, max_rate, "SLO limit", TARGET_COLOUR, "dashdot", "top right")
    top = max(objective * 1.6, float(observed["latency"].max()) * 1.2 if len(observed) else 0.0)
    fig.update_yaxes(range=[0, top], tickformat="~s", ticksuffix="s")
    layout(fig, title=title, y_title="response time (seconds)", x_title="request rate (req/s, all replicas)")
    fig.update_layout(hovermode="closest")
    return fig


def service_chart(fitted: Fitted, row: Any) -> go.Figure | None:
    """A service's latency-vs-load chart from its fit and its headroom row (None without a latency fit)."""
    if fitted.latency_fit is None:
        return None
    marks = [row["today_peak"], row["forecast_peak"], row["latency_max_rate"]]
    upto = 1.15 * max(float(v) for v in marks if isinstance(v, (int, float)) and math.isfinite(v))
    obj = fitted.service.objective
    return latency_vs_load(
        curves.curve(fitted, upto),
        curves.observed(fitted),
        title=f"{fitted.service.display}: p{obj.quantile * 100:g} response time against load",
        objective=obj.latency,
        objective_label=f"SLO: {obj.text}",
        today_peak=float(row["today_peak"]),
        forecast_peak=float(row["forecast_peak"]),
        max_rate=float(row["latency_max_rate"]),
    )
