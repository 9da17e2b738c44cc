"""OpenMetrics / VictoriaMetrics text writing, checked by reading it back and by promtool itself."""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as F
from capacity.core.errors import SourceError
from capacity.testing.openmetrics import backfill, family_of, write_openmetrics, write_vm_import

T0 = pd.Timestamp("2026-09-01T00:00:00Z")


def _sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    ds = pd.date_range(T0, periods=5, freq="1min", tz="UTC").as_unit("ns")
    rows, lab = [], {}

    def add(name: str, labels: dict[str, str], y, ts=ds) -> None:
        uid = F.series_id(name, labels)
        lab[uid] = {"__name__": name, **labels}
        rows.append(F.from_arrays(uid, ts, y))

    add("http_requests_total", {"handler": '/a"b\\c\nd'}, [1.0, 2.5, 0.0, 0.1, 1e20])
    add("lat_bucket", {"le": "0.1"}, [1, 2, 3, 4, 5])
    add("lat_bucket", {"le": "+Inf"}, [2, 3, 4, 5, 6])
    add("lat_count", {}, [2, 3, 4, 5, 6])
    add("mem_bytes", {}, [np.nan, np.inf, -np.inf, -0.0, 1 / 3])
    sub = pd.DatetimeIndex(ds.asi8 + 123_000_000, tz="UTC")  # .123 s past the minute
    add("odd_gauge", {}, [7.0, 8.0, 9.0, 10.0, 11.0], sub)
    return F.concat(rows), F.labels_table(lab)


KINDS = {"http_requests_total": "counter", "lat": "histogram", "mem_bytes": "gauge"}


def _read_back(text: str) -> dict[str, list[tuple[float, str]]]:
    """series text -> [(value, timestamp text)], parsed independently of the writer."""
    out: dict[str, list[tuple[float, str]]] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, value, ts = line.rsplit(" ", 2)
        out.setdefault(series, []).append((float(value), ts))
    return out


def test_family_names_follow_openmetrics():
    assert family_of("http_requests_total", KINDS) == ("http_requests", "counter")
    assert family_of("lat_bucket", KINDS) == ("lat", "histogram")
    assert family_of("lat_count", KINDS) == ("lat", "histogram")
    assert family_of("mem_bytes", KINDS) == ("mem_bytes", "gauge")
    assert family_of("odd_gauge", KINDS) == ("odd_gauge", "unknown")
    assert family_of("weird", {"weird": "counter"}) == ("weird", "unknown")  # counters need _total


def test_openmetrics_text_reads_back_exactly():
    frame, labels = _sample()
    buf = io.BytesIO()
    n = write_openmetrics(frame, labels, buf, KINDS)
    text = buf.getvalue().decode()
    assert n == len(frame) == 30
    lines = text.splitlines()
    assert lines[-1] == "# EOF" and lines[0] == "# TYPE http_requests counter"
    assert [line for line in lines if line.startswith("# TYPE")] == [
        "# TYPE http_requests counter",
        "# TYPE lat histogram",
        "# TYPE mem_bytes gauge",
        "# TYPE odd_gauge unknown",
    ]
    # families are contiguous: once a family's TYPE line is passed, its samples follow before the next TYPE
    fam_of_line = []
    current = None
    for line in lines[:-1]:
        if line.startswith("# TYPE"):
            current = line.split()[2]
        else:
            fam_of_line.append((current, line.split("{")[0].split(" ")[0]))
    assert all(name.startswith(fam) for fam, name in fam_of_line)
    got = _read_back(text)
    # label escaping written out by hand: quote, backslash and newline escaped
    assert 'http_requests_total{handler="/a\\"b\\\\c\\nd"}' in got
    assert [v for v, _ in got['http_requests_total{handler="/a\\"b\\\\c\\nd"}']] == [1.0, 2.5, 0.0, 0.1, 1e20]
    mem = got["mem_bytes"]
    assert math.isnan(mem[0][0]) and mem[1][0] == math.inf and mem[2][0] == -math.inf and mem[4][0] == 1 / 3
    assert "NaN" in text and "+Inf" in text and "-Inf" in text
    assert [ts for _, ts in got["mem_bytes"]] == [str(int(T0.timestamp()) + 60 * i) for i in range(5)]
    assert [ts for _, ts in got["odd_gauge"]] == [f"{int(T0.timestamp()) + 60 * i}.123" for i in range(5)]


def test_vm_import_uses_milliseconds_and_no_type_lines():
    frame, labels = _sample()
    buf = io.BytesIO()
    write_vm_import(frame, labels, buf)
    text = buf.getvalue().decode()
    assert "#" not in "".join(line[:1] for line in text.splitlines())
    got = _read_back(text)
    assert [ts for _, ts in got["odd_gauge"]] == [str(int(T0.timestamp()) * 1000 + 60_000 * i + 123) for i in range(5)]


def test_promtool_backfill_round_trip(tmp_path):
    """promtool reads what we wrote; its own dump of the blocks gives back every sample exactly."""
    frame, labels = _sample()
    tsdb = backfill(frame, labels, tmp_path / "tsdb", kinds=KINDS)
    (tsdb / "wal").mkdir(exist_ok=True)  # promtool's read-only open wants one
    dump = subprocess.run(
        [shutil.which("promtool") or "promtool", "tsdb", "dump", str(tsdb)], capture_output=True, text=True, check=True
    ).stdout
    seen: dict[tuple[str, int], float] = {}
    for line in dump.splitlines():
        series, value, ts = line.rsplit(" ", 2)
        seen[(series, int(ts))] = float(value)
    assert len(seen) == len(frame)
    table = labels.set_index("unique_id")
    for uid, part in frame.groupby("unique_id"):
        lbl = {k: v for k, v in table.loc[uid].items() if isinstance(v, str)}
        key = "{" + ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(lbl.items())) + "}"
        for ds, y in zip(part["ds"], part["y"], strict=False):
            got = seen[(key, int(ds.value // 1_000_000))]
            assert (math.isnan(got) and math.isnan(y)) or got == y


def test_promtool_failure_carries_its_stderr(tmp_path):
    frame, labels = _sample()
    labels = labels.rename(columns={"handler": "bad-label"})  # not a valid label name: promtool rejects the line
    with pytest.raises(SourceError) as err:
        backfill(frame, labels, tmp_path / "tsdb", kinds=KINDS)
    assert "promtool" in str(err.value) and err.value.stderr
