"""The data contract: validate accepts canonical frames and rejects everything else by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as F
from capacity.core.errors import FrameError


def good() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": pd.Series(["a", "a", "b"], dtype=object),
            "ds": pd.to_datetime(["2026-01-01 00:00", "2026-01-01 00:01", "2026-01-01 00:00"], utc=True).as_unit("ns"),
            "y": [1.0, np.nan, 3.0],
        }
    )


def test_accepts_a_canonical_frame_and_returns_it_unchanged() -> None:
    f = good()
    assert F.validate(f) is f


@pytest.mark.parametrize("uid_dtype", ["category", "string", "str"])
def test_accepts_str_like_unique_id(uid_dtype: str) -> None:
    f = good()
    f["unique_id"] = f["unique_id"].astype(uid_dtype)
    F.validate(f)


def test_accepts_empty() -> None:
    F.validate(F.empty())


def _expect(f: pd.DataFrame, column: str, text: str) -> None:
    with pytest.raises(FrameError) as err:
        F.validate(f, name="file x.csv")
    msg = str(err.value)
    assert msg.startswith("file x.csv: ") and text in msg, msg
    assert err.value.column == column


def test_rejects_missing_and_extra_columns() -> None:
    _expect(good().drop(columns="y"), "y", "missing column(s) y")
    _expect(good().assign(job="api"), "job", "unexpected column(s) job; labels belong in the labels table")


def test_rejects_non_string_unique_id() -> None:
    _expect(good().assign(unique_id=[1, 1, 2]), "unique_id", "must hold strings")
    _expect(good().assign(unique_id=pd.Series([1, 1, 2], dtype=object)), "unique_id", "must hold strings")
    _expect(good().assign(unique_id=pd.Series(["a", None, "b"], dtype=object)), "unique_id", "missing values")


def test_rejects_wrong_ds_types() -> None:
    f = good()
    _expect(f.assign(ds=f["ds"].dt.tz_localize(None)), "ds", "must be datetime64[ns, UTC]")
    _expect(f.assign(ds=f["ds"].dt.tz_convert("Europe/Paris")), "ds", "must be datetime64[ns, UTC]")
    _expect(f.assign(ds=f["ds"].astype(str)), "ds", "must be datetime64[ns, UTC]")
    nat = f.copy()
    nat.loc[1, "ds"] = pd.NaT
    _expect(nat, "ds", "missing timestamps")


def test_rejects_non_float_y() -> None:
    _expect(good().assign(y=[1, 2, 3]), "y", "must be float64")
    _expect(good().assign(y=np.array([1, 2, 3], dtype="float32")), "y", "must be float64")


def test_rejects_unsorted_rows() -> None:
    f = good()
    _expect(f.iloc[[2, 0, 1]].reset_index(drop=True), "unique_id", "sorted by unique_id, ds")
    _expect(f.iloc[[1, 0, 2]].reset_index(drop=True), "ds", "sorted by ds within each series")


def test_rejects_duplicates_naming_time_and_series() -> None:
    f = good()
    dup = pd.concat([f.iloc[[0]], f], ignore_index=True)
    with pytest.raises(FrameError) as err:
        F.validate(dup)
    assert str(err.value) == "frame: duplicate timestamp 2026-01-01T00:00:00+00:00 in series a"
    assert err.value.series == "a"


def test_same_time_in_two_series_is_not_a_duplicate() -> None:
    f = good()  # a@00:00 and b@00:00
    F.validate(f)


def test_rejects_non_frames() -> None:
    with pytest.raises(FrameError, match="expected a pandas DataFrame, got dict"):
        F.validate({"unique_id": []})  # type: ignore[arg-type]


def test_normalize_and_concat_sort() -> None:
    f = good()
    shuffled = f.iloc[[2, 1, 0]]
    assert F.normalize(shuffled).equals(f)
    halves = F.concat([f.iloc[[2]], f.iloc[[1, 0]], F.empty()])
    pd.testing.assert_frame_equal(F.validate(halves), f)


def test_from_arrays() -> None:
    f = F.from_arrays("x", ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00"], [1, 2])
    F.validate(F.normalize(f.iloc[[0]]))
    assert f["ds"].tolist()[0] == pd.Timestamp("2026-01-01T00:00:00Z")
    assert f["ds"].tolist()[1] == pd.Timestamp("2026-01-01T00:00:00Z")  # same instant, different offset
    assert f["y"].dtype == np.float64


def test_series_id_escapes_and_sorts_labels() -> None:
    assert (
        F.series_id("up", {"job": "api", "__name__": "up", "a": 'say "hi"\\n'}) == 'up{a="say \\"hi\\"\\\\n",job="api"}'
    )
    assert F.series_id("up", {}) == "up"
    assert F.series_id(None, {}) == "{}"


def test_labels_table_and_to_wide() -> None:
    t = F.labels_table({"b": {"job": "x"}, "a": {"zone": "1"}})
    assert list(t.columns) == ["unique_id", "job", "zone"]
    assert t["unique_id"].tolist() == ["a", "b"]
    w = F.to_wide(good())
    assert list(w.columns) == ["a", "b"] and w.loc[pd.Timestamp("2026-01-01T00:00Z"), "b"] == 3.0


def _cat_frame(uid_values, ds_values, y_values, categories=None):
    return pd.DataFrame(
        {
            "unique_id": pd.Categorical(uid_values, categories=categories),
            "ds": pd.to_datetime(ds_values, utc=True).as_unit("ns"),
            "y": np.asarray(y_values, dtype="float64"),
        }
    )


def test_concat_of_categorical_frames_sorts_by_string_order_not_code_order():
    # categories deliberately listed in reverse, so code order != string order
    a = _cat_frame(["b", "b"], ["2026-01-01", "2026-01-02"], [1, 2], categories=["b", "a"])
    b = _cat_frame(["a"], ["2026-01-01"], [3], categories=["z", "a"])
    out = F.concat([a, b])
    F.validate(out)
    assert [str(u) for u in out["unique_id"]] == ["a", "b", "b"]
    assert out["y"].tolist() == [3.0, 1.0, 2.0]


def test_concat_mixes_object_and_categorical_ids():
    a = _cat_frame(["m"], ["2026-01-01"], [1])
    b = pd.DataFrame({"unique_id": ["c"], "ds": pd.to_datetime(["2026-01-01"], utc=True).as_unit("ns"), "y": [2.0]})
    out = F.concat([a, b])
    assert [str(u) for u in out["unique_id"]] == ["c", "m"]
    F.validate(out)


def test_validate_names_the_series_of_a_duplicate_in_a_categorical_frame():
    f = _cat_frame(["x", "y", "y"], ["2026-01-01", "2026-01-01", "2026-01-01"], [1, 2, 3], categories=["y", "x"])
    with pytest.raises(FrameError, match="in series y"):
        F.validate(f)


def test_validate_rejects_categorical_ids_out_of_string_order():
    f = _cat_frame(["y", "x"], ["2026-01-01", "2026-01-01"], [1, 2], categories=["y", "x"])
    with pytest.raises(FrameError, match="sorted by unique_id"):
        F.validate(f)


def test_concat_of_many_categorical_frames_equals_the_object_path():
    # random frames: contiguous and scattered category runs, unused categories, rows out of order across frames
    rng = np.random.default_rng(5)
    names = [f"s{i:03d}" for i in range(300)]  # more than int8 codes hold
    frames = []
    for k in range(12):
        cats = sorted(rng.choice(names, size=int(rng.integers(1, 40)), replace=False).tolist())
        uids = rng.choice(cats, size=50)
        ds = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(
            rng.permutation(10_000)[:50] + 10_000 * k, unit="min"
        )
        frames.append(_cat_frame(uids, ds, rng.standard_normal(50), categories=cats))
    frames.append(
        _cat_frame(["s001", "s002"], ["2026-01-01", "2026-01-01"], [1, 2], categories=["s001", "s002", "zz-unused"])
    )
    out = F.concat(frames)
    as_objects = [f.assign(unique_id=f["unique_id"].astype(str).astype(object)) for f in frames]
    want = F.normalize(pd.concat(as_objects, ignore_index=True))
    assert [str(u) for u in out["unique_id"]] == want["unique_id"].tolist()
    assert (out["ds"].array.asi8 == want["ds"].array.asi8).all()
    np.testing.assert_array_equal(out["y"].to_numpy(), want["y"].to_numpy())
    assert list(out["unique_id"].cat.categories) == sorted(out["unique_id"].cat.categories)
