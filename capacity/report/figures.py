"""Plotly figures: pure functions of tidy frames, one chart each.

Every function takes a frame (documented per function), returns a
``plotly.graph_objects.Figure`` with a title and axis titles carrying units,
and never reads files, the network or the clock. Label values are escaped
before they reach plotly's text renderer. Time axes take the report's ``tz``
(drawn as that zone's wall clock, durations exact; default UTC), except the
forecast charts, whose daily points are dates (the days of the platform's zone, labelled on the
axis). :mod:`capacity.report.output`
turns a figure into an HTML fragment or a PNG.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..core.errors import DataError
from ..present import in_unit
from .style import COLOURS, TARGET_COLOUR, THRESHOLD_COLOUR, esc, layout, trace_style, unit_axis, unit_name

__all__ = [
    "series_lines",
    "business_hours_heatmap",
    "compliance_over_time",
    "compliance_panels",
    "budget_burndown",
    "burn_rate_episodes",
    "alert_timeline",
    "fan_chart",
    "time_to_threshold",
]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _wall(ts: pd.Series | pd.Index | Sequence[pd.Timestamp], tz: str) -> pd.Series:
    """Times as the wall clock of ``tz`` (naive, so plotly draws them as they read locally); UTC
    times are passed through unchanged."""
    s = pd.Series(pd.to_datetime(ts, utc=True))
    return s if tz == "UTC" else s.dt.tz_convert(tz).dt.tz_localize(None)


def _time_title(tz: str) -> str:
    return f"time ({esc(tz)})"


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}", column=missing[0])


def _add_line(fig: go.Figure, i: int, x: pd.Series, y: pd.Series, name: object, **more: object) -> None:
    """The ``i``-th series of ``fig`` as a line in the house style (:func:`trace_style`)."""
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=esc(name), line=trace_style(i)["line"], **more))


def series_lines(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str,
    names: dict[str, str] | None = None,
    max_series: int = 12,
    tz: str = "UTC",
) -> go.Figure:
    """A canonical frame (``unique_id, ds, y``) as one line per series.

    ``names`` maps unique ids to legend names; at most ``max_series`` series
    (the first by id) are drawn, and the title says when some were left out.
    """
    _need(frame, ("unique_id", "ds", "y"), "series_lines")
    fig = go.Figure()
    ids = list(dict.fromkeys(frame["unique_id"]))
    for i, uid in enumerate(ids[:max_series]):
        part = frame[frame["unique_id"] == uid]
        _add_line(fig, i, _wall(part["ds"], tz), part["y"], (names or {}).get(uid, uid))
    more = f" (first {max_series} of {len(ids)} series)" if len(ids) > max_series else ""
    return unit_axis(layout(fig, title=title + more, y_title=unit, x_title=_time_title(tz)), unit)


def business_hours_heatmap(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str,
    tz: str,
    business_hours: tuple[int, int] = (9, 18),
    value_format: str = ".3g",
) -> go.Figure:
    """Mean of ``y`` by local hour of day (x) and day of week (y) in ``tz``.

    All series in ``frame`` are pooled. Each cell carries its value as text, and
    the business-hours block (``business_hours`` start/end hour, Mon-Fri) is
    outlined, so the chart reads without colour.
    """
    _need(frame, ("ds", "y"), "business_hours_heatmap")
    local = frame["ds"].dt.tz_convert(tz)
    grid = (
        pd.DataFrame(
            {"dow": local.dt.day_of_week.to_numpy(), "hour": local.dt.hour.to_numpy(), "y": frame["y"].to_numpy()}
        )
        .groupby(["dow", "hour"])["y"]
        .mean()
        .unstack("hour")
        .reindex(index=range(7), columns=range(24))
    )
    z = grid.to_numpy(dtype=float)
    text = [[("" if np.isnan(v) else format(v, value_format)) for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(24)),
            y=list(DAYS),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 9},
            colorscale="Cividis",
            colorbar={"title": {"text": esc(unit_name(unit))}},
            hovertemplate="%{y} %{x}:00 local<br>mean %{z:.4g} " + esc(unit) + "<extra></extra>",
        )
    )
    start, end = business_hours
    fig.add_shape(
        type="rect",
        x0=start - 0.5,
        x1=end - 0.5,
        y0=-0.5,
        y1=4.5,
        line={"color": "#000000", "width": 3, "dash": "dash"},
        fillcolor="rgba(0,0,0,0)",
    )
    # above the grid (the y axis is reversed: -0.5 is the top edge), never over a cell's value
    fig.add_annotation(
        x=(start + end - 1) / 2,
        y=-0.5,
        yanchor="bottom",
        yshift=2,
        showarrow=False,
        text=f"business hours {start:02d}:00-{end:02d}:00 Mon-Fri (dashed outline)",
    )
    layout(fig, title=title, y_title="day of week", x_title=f"hour of day ({esc(tz)})", height=380)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(dtick=1)
    fig.update_layout(hovermode="closest")
    return fig


def _under_target(
    part: pd.DataFrame, ds_col: str, value_col: str, target_col: str, tz: str, name: str, colour: str, size: int
) -> go.Scatter | None:
    """``x`` markers on the points of one SLO's compliance under its target (None: none is)."""
    below = part[part[value_col] < part[target_col]]
    if not len(below):
        return None
    return go.Scatter(
        x=_wall(below[ds_col], tz),
        y=100 * below[value_col],
        mode="markers",
        name=f"{esc(name)} under target",
        marker={"symbol": "x", "size": size, "color": colour},
    )


def compliance_over_time(
    frame: pd.DataFrame,
    *,
    title: str = "SLO compliance over time",
    slo_col: str = "slo",
    ds_col: str = "ds",
    value_col: str = "compliance",
    target_col: str = "target",
    tz: str = "UTC",
) -> go.Figure:
    """Compliance (fraction, 0..1) per SLO against its target (dashed line, labelled).

    ``frame``: one row per SLO and time with ``slo, ds, compliance, target``.
    Points under target are drawn as large ``x`` markers.
    """
    _need(frame, (slo_col, ds_col, value_col, target_col), "compliance_over_time")
    fig = go.Figure()
    targets: set[float] = set()
    for i, (slo, part) in enumerate(frame.groupby(slo_col, sort=True)):
        _add_line(fig, i, _wall(part[ds_col], tz), 100 * part[value_col], slo, legendgroup=str(i))
        target = float(part[target_col].iloc[-1])
        fig.add_trace(
            go.Scatter(
                x=_wall([part[ds_col].min(), part[ds_col].max()], tz),
                y=[100 * target] * 2,
                mode="lines",
                name=f"{esc(slo)} target {100 * target:g}%",
                legendgroup=str(i),
                showlegend=False,
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 1.5},
            )
        )
        targets.add(100 * target)
        under = _under_target(part, ds_col, value_col, target_col, tz, str(slo), trace_style(i)["line"]["color"], 9)
        if under is not None:
            fig.add_trace(under.update(legendgroup=str(i)))
    layout(fig, title=title, y_title="compliance (%)", x_title=_time_title(tz))
    # one label per distinct target, in the right margin: never over a line, never stacked twice
    for t in sorted(targets):
        fig.add_annotation(
            x=1,
            xref="paper",
            xanchor="left",
            xshift=4,
            y=t,
            showarrow=False,
            text=f"target {t:g}%",
            font={"size": 11, "color": TARGET_COLOUR},
        )
    fig.update_layout(margin={"r": 90})
    return fig


def compliance_panels(
    frame: pd.DataFrame,
    *,
    title: str = "SLO compliance over time",
    slo_col: str = "slo",
    ds_col: str = "ds",
    value_col: str = "compliance",
    target_col: str = "target",
    tz: str = "UTC",
    x_range: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    columns: int = 2,
) -> go.Figure:
    """Compliance per SLO as small multiples: one panel each (its own y range, so a line near 100%
    is not flattened by another near 85%), the target dashed, days under it marked ``x``, every
    panel on the same time axis (``x_range``: the period shown, e.g. the quarter, in UTC)."""
    from plotly.subplots import make_subplots

    _need(frame, (slo_col, ds_col, value_col, target_col), "compliance_panels")
    names = sorted(frame[slo_col].astype(str).unique())
    if not names:
        return layout(go.Figure(), title=title, y_title="compliance (%)", x_title=_time_title(tz))
    rows = -(-len(names) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        shared_xaxes=True,
        subplot_titles=[esc(n) for n in names],
        vertical_spacing=min(0.12, 0.5 / rows),
        horizontal_spacing=0.08,
    )
    for i, name in enumerate(names):
        part = frame[frame[slo_col].astype(str) == name]
        r, c = i // columns + 1, i % columns + 1
        colour = trace_style(0)["line"]["color"]
        x = _wall(part[ds_col], tz)
        fig.add_trace(
            go.Scatter(x=x, y=100 * part[value_col], mode="lines", name=esc(name), line={"color": colour, "width": 2}),
            row=r,
            col=c,
        )
        target = float(part[target_col].iloc[-1])
        ends = _wall(list(x_range), tz) if x_range is not None else _wall([part[ds_col].min(), part[ds_col].max()], tz)
        fig.add_trace(
            go.Scatter(
                x=ends,
                y=[100 * target] * 2,
                mode="lines",
                name=f"target {100 * target:g}%",
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 1.5},
                hoverinfo="skip",
            ),
            row=r,
            col=c,
        )
        under = _under_target(part, ds_col, value_col, target_col, tz, name, THRESHOLD_COLOUR, 7)
        if under is not None:
            fig.add_trace(under, row=r, col=c)
        lo = min(float(part[value_col].min()), target) * 100
        hi = max(float(part[value_col].max()), target) * 100
        pad = max((hi - lo) * 0.15, 0.05)
        fig.update_yaxes(range=[lo - pad, min(hi + pad, 100.0 + pad)], row=r, col=c, ticksuffix="%")
        fig.add_annotation(
            x=1, xref="x domain" if i == 0 else f"x{i + 1} domain", y=100 * target, yref=f"y{'' if i == 0 else i + 1}",
            xanchor="right", yanchor="bottom", showarrow=False, text=f"target {100 * target:g}%",
            font={"size": 10, "color": TARGET_COLOUR},
        )  # fmt: skip
    layout(fig, title=title, y_title="", x_title="", height=120 + 170 * rows)
    fig.update_layout(showlegend=False, hovermode="closest", margin={"t": 80})  # no legend: each panel is titled
    if x_range is not None:
        fig.update_xaxes(range=list(_wall(list(x_range), tz)))
    fig.update_xaxes(title_text=_time_title(tz), row=rows, col=1)
    return fig


def budget_burndown(
    frame: pd.DataFrame,
    *,
    title: str = "Error budget remaining",
    slo_col: str = "slo",
    ds_col: str = "ds",
    value_col: str = "budget_remaining",
    tz: str = "UTC",
) -> go.Figure:
    """Error budget remaining (fraction of the window's budget; < 0 is overspent) per SLO.

    ``frame``: ``slo, ds, budget_remaining``. The zero line is drawn and labelled.
    """
    _need(frame, (slo_col, ds_col, value_col), "budget_burndown")
    fig = go.Figure()
    for i, (slo, part) in enumerate(frame.groupby(slo_col, sort=True)):
        _add_line(fig, i, _wall(part[ds_col], tz), 100 * part[value_col], slo)
    fig.add_hline(
        y=0,
        line={"color": THRESHOLD_COLOUR, "dash": "dash", "width": 1.5},
        annotation_text="budget exhausted",
        annotation_position="bottom left",
    )
    return layout(fig, title=title, y_title="error budget remaining (%)", x_title=_time_title(tz))


def _gantt(
    frame: pd.DataFrame, columns: tuple[str, str, str, str], text_col: str | None, title: str, y_title: str, tz: str
) -> go.Figure:
    """One bar per row of ``frame`` from its start to its end time; ``columns``: the (row, start, end, group)
    columns (a group is a colour and fill pattern); ``text_col``: text inside the bars, or None."""
    row_col, start_col, end_col, group_col = columns
    fig = go.Figure()
    groups = list(frame.groupby(group_col, sort=True))
    patterns = ("", "/", "x", ".", "\\", "+", "-", "|")
    rows = list(dict.fromkeys(frame[row_col].astype(str)))
    for i, (group, part) in enumerate(groups):
        start = pd.to_datetime(part[start_col], utc=True)
        end = pd.to_datetime(part[end_col], utc=True)
        duration_ms = (end - start).dt.total_seconds().to_numpy() * 1000.0
        text = [esc(t) for t in part[text_col]] if text_col else None
        fig.add_trace(
            go.Bar(
                base=_wall(start, tz),
                x=duration_ms,
                y=[esc(r) for r in part[row_col].astype(str)],
                orientation="h",
                name=esc(group),
                text=text,
                textposition="inside",
                marker={
                    "color": COLOURS[i % len(COLOURS)],
                    "pattern": {"shape": patterns[i % len(patterns)]},
                    "line": {"color": "#000", "width": 0.5},
                },
                customdata=np.stack(
                    [
                        start.dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M %Z"),
                        end.dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M %Z"),
                    ],
                    axis=-1,
                )
                if len(part)
                else None,
                hovertemplate="%{y}<br>%{customdata[0]} to %{customdata[1]}<extra>%{fullData.name}</extra>",
            )
        )
    layout(fig, title=title, y_title=y_title, x_title=_time_title(tz), height=max(300, 120 + 28 * len(rows)))
    fig.update_xaxes(type="date")
    fig.update_yaxes(categoryorder="array", categoryarray=[esc(r) for r in rows][::-1])
    fig.update_layout(barmode="overlay", hovermode="closest")
    return fig


def burn_rate_episodes(
    frame: pd.DataFrame,
    *,
    title: str = "Burn-rate episodes",
    slo_col: str = "slo",
    start_col: str = "start",
    end_col: str = "end",
    severity_col: str = "severity",
    rate_col: str | None = "burn_rate",
    y_title: str = "SLO",
    tz: str = "UTC",
) -> go.Figure:
    """Episodes when an SLO burned its budget fast: one bar per episode, per SLO row.

    ``frame``: ``slo, start, end, severity`` (and ``burn_rate``, shown as text).
    Severities differ by colour *and* fill pattern.
    """
    columns = (slo_col, start_col, end_col, severity_col)
    _need(frame, columns, "burn_rate_episodes")
    data = frame.copy()
    text_col = None
    if rate_col and rate_col in data.columns:
        data["_text"] = [f"{r:.1f}x" if pd.notna(r) else "" for r in data[rate_col]]
        text_col = "_text"
    return _gantt(data, columns, text_col, title, y_title, tz)


def alert_timeline(
    frame: pd.DataFrame,
    *,
    title: str = "Alert replay: when alerts would have fired",
    alert_col: str = "alert",
    start_col: str = "start",
    end_col: str = "end",
    severity_col: str = "severity",
    tz: str = "UTC",
) -> go.Figure:
    """Firing intervals of replayed alerts: one row per alert, one bar per firing.

    ``frame``: ``alert, start, end, severity``.
    """
    columns = (alert_col, start_col, end_col, severity_col)
    _need(frame, columns, "alert_timeline")
    return _gantt(frame, columns, None, title, "alert", tz)


def fan_chart(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    title: str,
    unit: str,
    threshold: float | None = None,
    threshold_label: str = "threshold",
    history_name: str = "observed",
    x_title: str = "time (UTC)",
) -> go.Figure:
    """Observed history, forecast mean and its 80% / 95% intervals, and the threshold
    (``x_title``: what the time axis is, e.g. ``date (days in America/New_York)``).

    ``history``: ``ds, y``. ``forecast``: ``ds, mean, lo-80, hi-80, lo-95, hi-95`` (the layout of
    capacity.forecast.forecast).
    The 95% band is the lighter, the 80% the darker; each is named in the legend
    and the mean is dashed, so the chart reads without colour.
    """
    _need(history, ("ds", "y"), "fan_chart history")
    _need(forecast, ("ds", "mean", "lo-80", "hi-80", "lo-95", "hi-95"), "fan_chart forecast")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=history["ds"], y=history["y"], mode="lines", name=esc(history_name), line={"color": "#222", "width": 1.5}
        )
    )
    for level, alpha in (("95", 0.18), ("80", 0.35)):
        # the band: its upper edge, then the lower edge filled up to it; both edges invisible
        edge = {"x": forecast["ds"], "mode": "lines", "line": {"width": 0}, "legendgroup": level}
        fig.add_trace(go.Scatter(y=forecast[f"hi-{level}"], showlegend=False, hoverinfo="skip", **edge))
        fig.add_trace(
            go.Scatter(
                y=forecast[f"lo-{level}"],
                fill="tonexty",
                fillcolor=f"rgba(0,114,178,{alpha})",
                name=f"{level}% interval",
                **edge,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=forecast["ds"],
            y=forecast["mean"],
            mode="lines",
            name="forecast (mean)",
            line={"color": COLOURS[0], "dash": "dash", "width": 2.5},
        )
    )
    if threshold is not None and np.isfinite(threshold):
        fig.add_hline(
            y=threshold,
            line={"color": THRESHOLD_COLOUR, "dash": "dot", "width": 2},
            annotation_text=f"{esc(threshold_label)}: {esc(in_unit(threshold, unit))}",
            annotation_position="top left",
        )
    return unit_axis(layout(fig, title=title, y_title=unit, x_title=x_title), unit)


def time_to_threshold(
    frame: pd.DataFrame,
    *,
    horizon_days: float,
    title: str = "Time to threshold",
    name_col: str = "name",
    days_col: str = "days",
    lo_col: str | None = "days_lo",
    hi_col: str | None = "days_hi",
) -> go.Figure:
    """Days until each series is forecast to cross its threshold, with the interval.

    ``frame``: ``name, days`` (NaN: not within the horizon) and optionally
    ``days_lo, days_hi``. Bars beyond the horizon are drawn to the horizon,
    hatched and labelled "not within N d"; every bar carries its value as text.
    """
    _need(frame, (name_col, days_col), "time_to_threshold")
    data = frame.sort_values(days_col, na_position="last")
    days = data[days_col].to_numpy(dtype=float)
    within = np.isfinite(days) & (days <= horizon_days)
    shown = np.where(within, days, horizon_days)
    text = [f"{d:.0f} d" if w else f"not within {horizon_days:g} d" for d, w in zip(days, within, strict=False)]
    names = [esc(n) for n in data[name_col]]
    error_x = None
    if lo_col and hi_col and lo_col in data.columns and hi_col in data.columns:
        lo = np.clip(data[lo_col].to_numpy(dtype=float), 0, None)
        hi_raw = data[hi_col].to_numpy(dtype=float)  # NaN: the optimistic bound does not cross in the horizon
        hi = np.where(np.isfinite(hi_raw), np.minimum(hi_raw, horizon_days), horizon_days)
        error_x = {
            "type": "data",
            "symmetric": False,
            "array": np.where(within, np.nan_to_num(hi - days), 0),
            "arrayminus": np.where(within, np.nan_to_num(days - lo), 0),
            "color": "#333",
            "thickness": 1.5,
        }
    fig = go.Figure(
        go.Bar(
            x=shown,
            y=names,
            orientation="h",
            text=text,
            textposition="none",
            error_x=error_x,
            marker={
                "color": [THRESHOLD_COLOUR if w else "#9AA5B1" for w in within],
                "pattern": {"shape": ["" if w else "/" for w in within]},
                "line": {"color": "#000", "width": 0.5},
            },
            name="days to threshold",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    # each bar's label right of its bar *and* of its interval's whisker, so nothing is drawn over it
    ends = shown if error_x is None else np.where(within, np.fmax(shown, np.nan_to_num(hi, nan=0.0)), shown)
    spans = (
        [
            (
                f" (95%: {max(a, 0):.0f} to {b:.0f} d)"
                if np.isfinite(b)
                else f" (95%: {max(a, 0):.0f} d to after {horizon_days:g} d)"
            )
            if w and np.isfinite(a)
            else ""
            for a, b, w in zip(
                data[lo_col].to_numpy(dtype=float), data[hi_col].to_numpy(dtype=float), within, strict=False
            )
        ]
        if error_x is not None
        else [""] * len(names)
    )
    for name, label, span, x_end in zip(names, text, spans, ends, strict=False):
        fig.add_annotation(x=float(x_end), y=name, xanchor="left", xshift=4, showarrow=False, text=label + span)
    fig.add_vline(x=horizon_days, line={"color": "#333", "dash": "dash"})
    fig.add_annotation(
        x=horizon_days, y=1, yref="paper", yanchor="bottom", showarrow=False, text=f"horizon {horizon_days:g} d"
    )
    layout(
        fig, title=title, y_title="", x_title="days from the end of the history", height=max(280, 120 + 34 * len(data))
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, horizon_days * 1.25])
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig
