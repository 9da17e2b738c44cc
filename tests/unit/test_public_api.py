"""The public surface of ``import capacity`` is pinned: a change here is a change users see."""

from __future__ import annotations

import inspect

import capacity

EXPECTED = {
    "__version__",
    "CapacityError",
    "ConfigError",
    "DataError",
    "FileFormatError",
    "FrameError",
    "QueryError",
    "SourceError",
    "UnknownMetricError",
    "Metric",
    "catalog",
    "errors",
    "frame",
    "pull",
    "history",
    "source",
    "app",
    "slo",
    "default_spec",
    "load_spec",
    "slo_compliance",
    "alert_replay",
    "headroom",
    "forecast",
    "auto_forecast",
    "cross_validation",
    "evaluate",
    "growth_vs_plan",
    "time_to_threshold",
    "peak_load",
}


def test_all_is_pinned():
    assert set(capacity.__all__) == EXPECTED


def test_every_public_name_exists():
    missing = [name for name in capacity.__all__ if not hasattr(capacity, name)]
    assert missing == []


def test_errors_share_one_base():
    for name in capacity.__all__:
        obj = getattr(capacity, name)
        if inspect.isclass(obj) and name.endswith("Error"):
            assert issubclass(obj, capacity.CapacityError), name


def test_pull_signature_is_keyword_only_after_metrics():
    params = inspect.signature(capacity.pull).parameters
    names = list(params)
    assert names[0] == "metrics"
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in list(params.values())[1:])


def test_callables_show_their_real_parameters():
    """``capacity.forecast?`` in Jupyter shows the parameters, not ``(*args, **kwargs)``."""
    import types

    assert list(inspect.signature(capacity.forecast).parameters)[:2] == ["frame", "h"]
    assert "path" in inspect.signature(capacity.catalog).parameters
    for name in ("forecast", "catalog", "pull", "history", "slo_compliance", "alert_replay"):
        assert isinstance(getattr(capacity, name), types.FunctionType), name


def test_module_paths_are_not_shadowed_by_functions():
    """``import capacity.forecasting`` / ``capacity.metrics.catalog`` give modules, never the functions."""
    import importlib
    import types

    for path in ("capacity.forecasting", "capacity.metrics.catalog", "capacity.app.history", "capacity.core.windows"):
        assert isinstance(importlib.import_module(path), types.ModuleType), path


def test_pull_and_history_agree():
    got = capacity.history("request_rate", start="2026-09-01", end="2026-09-02", step="1h")
    frame = capacity.pull("request_rate", start="2026-09-01", end="2026-09-02", step="1h")
    assert got.frame.equals(frame)
    assert got.missing == ()
