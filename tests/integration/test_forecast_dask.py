"""Forecasting many series on a local Dask cluster and in local processes gives the serial result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.forecasting import auto_forecast, cross_validation

distributed = pytest.importorskip("dask.distributed")

MODELS = ["naive", "seasonal_naive", "drift", "ets_damped", "stl_ets"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    ds = pd.date_range("2025-01-01", periods=200, freq="D", tz="UTC").as_unit("ns")
    t = np.arange(200)
    parts = [
        pd.DataFrame(
            {
                "unique_id": f"s{i:02d}",
                "ds": ds,
                "y": 50 + 0.2 * i * t + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1 + i % 3, 200),
            }
        )
        for i in range(12)
    ]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_and_processes_match_serial(frame: pd.DataFrame, client) -> None:
    serial_fc, serial_choice = auto_forecast(frame, 14, models=MODELS, executor="serial")
    dask_fc, dask_choice = auto_forecast(frame, 14, models=MODELS, executor=client)
    proc_fc, proc_choice = auto_forecast(frame, 14, models=MODELS, executor=2)
    pd.testing.assert_frame_equal(serial_fc, dask_fc)
    pd.testing.assert_frame_equal(serial_fc, proc_fc)
    pd.testing.assert_frame_equal(serial_choice, dask_choice)
    assert serial_fc["unique_id"].nunique() == 12
    assert sorted(serial_fc["unique_id"].unique()) == sorted(frame["unique_id"].unique())


def test_cross_validation_on_dask_matches_serial(frame: pd.DataFrame, client) -> None:
    a = cross_validation(frame, 7, 2, models=["naive", "drift"], executor="serial")
    b = cross_validation(frame, 7, 2, models=["naive", "drift"], executor=client)
    pd.testing.assert_frame_equal(a, b)
