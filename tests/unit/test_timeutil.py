"""parse_time / parse_duration / format_duration edge cases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from capacity.core.errors import ConfigError
from capacity.core.timeutil import format_duration, is_relative, now, parse_duration, parse_time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90d", 90 * 86400),
        ("1h30m", 5400),
        ("5m", 300),
        ("30s", 30),
        ("1w", 604800),
        ("300", 300),
        ("1.5h", 5400),
        ("250ms", 0.25),
        ("1m30s", 90),
        (" 2h ", 7200),
        (60, 60),
        (0.5, 0.5),
        (dt.timedelta(minutes=2), 120),
        (pd.Timedelta(hours=3), 10800),
    ],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "-5",
        "5x",
        "h",
        "1h 30m",
        "P1D",
        "1mo",
        0,
        -3,
        float("nan"),
        float("inf"),
        pd.Timedelta(0),
        dt.timedelta(seconds=-1),
    ],
)
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ConfigError) as err:
        parse_duration(text, field="--step")  # type: ignore[arg-type]
    assert str(err.value).startswith("--step: ")
    assert err.value.field == "--step"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-10-01T00:00:00Z", "2026-10-01T00:00:00+00:00"),
        ("2026-10-01T02:30:00+02:00", "2026-10-01T00:30:00+00:00"),
        ("2026-10-01T00:00:00.250Z", "2026-10-01T00:00:00.250000+00:00"),
        ("2026-10-01", "2026-10-01T00:00:00+00:00"),
        ("1700000000", "2023-11-14T22:13:20+00:00"),
        (1700000000, "2023-11-14T22:13:20+00:00"),
        (dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "2026-01-01T17:00:00+00:00"),
        (pd.Timestamp("2026-01-01 12:00"), "2026-01-01T12:00:00+00:00"),
    ],
)
def test_parse_time(text: object, iso: str) -> None:
    ts = parse_time(text)  # type: ignore[arg-type]
    assert ts.isoformat() == iso
    assert str(ts.tz) == "UTC" and ts.unit == "ns"


def test_a_date_is_midnight_in_the_given_zone() -> None:
    # Paris is UTC+2 on 1 October (summer time), UTC+1 on 1 December
    assert parse_time("2026-10-01", tz="Europe/Paris") == pd.Timestamp("2026-09-30T22:00Z")
    assert parse_time("2026-12-01", tz="Europe/Paris") == pd.Timestamp("2026-11-30T23:00Z")
    # an explicit offset wins over tz
    assert parse_time("2026-10-01T00:00:00Z", tz="Europe/Paris") == pd.Timestamp("2026-10-01T00:00Z")


def test_now_minus_a_duration_is_read_at_call_time() -> None:
    before = pd.Timestamp.now(tz="UTC")
    got = parse_time("now-7d")
    after = pd.Timestamp.now(tz="UTC")
    # relative times are floored (to the minute when no step is given)
    assert before.floor("1min") - pd.Timedelta(days=7) <= got <= after - pd.Timedelta(days=7)
    assert got.value % 60_000_000_000 == 0
    assert before.floor("1min") <= parse_time("now") <= pd.Timestamp.now(tz="UTC")
    assert before <= now()


AT = pd.Timestamp("2026-12-01T14:54:26.161000Z")


@pytest.mark.parametrize(
    ("text", "step", "iso"),
    [
        ("now", "15s", "2026-12-01T14:54:15+00:00"),
        ("now-1h", "15s", "2026-12-01T13:54:15+00:00"),
        ("now-1h", "1m", "2026-12-01T13:54:00+00:00"),
        ("now-1h", None, "2026-12-01T13:54:00+00:00"),  # no step: the minute
        ("now-2d", "1d", "2026-11-29T00:00:00+00:00"),  # on the Unix epoch's grid: UTC midnight
        ("now", "250ms", "2026-12-01T14:54:26+00:00"),
        ("now-90s", "7s", "2026-12-01T14:52:56+00:00"),  # a multiple of 7s since 1970
    ],
)
def test_relative_times_are_floored_to_the_step(text: str, step: str | None, iso: str) -> None:
    got = parse_time(text, step=parse_duration(step) if step else None, at=AT)
    assert got.isoformat() == iso
    assert got.value % 10**9 == 0 or step == "250ms"
    assert str(got.tz) == "UTC" and got.unit == "ns"


def test_explicit_times_are_never_moved_by_a_step() -> None:
    step = pd.Timedelta(minutes=5)
    assert parse_time("2026-10-01T00:00:07.5Z", step=step, at=AT) == pd.Timestamp("2026-10-01T00:00:07.5Z")
    assert parse_time("1700000001", step=step) == pd.Timestamp(1700000001, unit="s", tz="UTC")
    assert parse_time(AT, step=step) == AT
    assert is_relative("now-1h") and is_relative(" now ") and not is_relative("2026-10-01") and not is_relative(AT)


@pytest.mark.parametrize("text", ["01-09-2026", "1/9/2026", "09/01/2026", "01.09.2026", "1/9/26"])
def test_day_or_month_first_dates_are_refused_as_ambiguous(text: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_time(text, field="--start")
    msg = str(err.value)
    assert msg.startswith(f"--start: {text!r} is ambiguous")
    for form in ("RFC 3339", "2026-10-01", "Unix time", "now-7d"):
        assert form in msg


@pytest.mark.parametrize("text", ["2026-1-9", "Sep 1 2026", "20261001", "2026/10/01"])
def test_other_date_forms_are_refused_listing_the_accepted_ones(text: str) -> None:
    with pytest.raises(ConfigError, match=r"cannot read .* \(use RFC 3339 .*Unix time.*now-7d\)"):
        parse_time(text, field="--end")


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "",
        "2026-02-30",
        "2026-13-01",
        "now-",
        "now-7x",
        "now+1d",
        float("nan"),
        float("inf"),
        "99999999999",
        "3000-01-01",
    ],
)
def test_parse_time_rejects_with_the_field_name(text: object) -> None:
    with pytest.raises(ConfigError) as err:
        parse_time(text, field="--start")  # type: ignore[arg-type]
    assert str(err.value).startswith("--start: ")
    assert err.value.field == "--start"


def test_a_local_time_skipped_by_dst_is_rejected() -> None:
    with pytest.raises(ConfigError, match="does not exist in Europe/Paris"):
        parse_time("2026-03-29 02:30", tz="Europe/Paris")


def test_a_local_time_repeated_by_dst_is_rejected() -> None:
    with pytest.raises(ConfigError, match="is ambiguous there"):
        parse_time("2026-10-25 02:30", tz="Europe/Paris")
    assert parse_time("2026-10-25 03:30", tz="Europe/Paris") == pd.Timestamp("2026-10-25T02:30Z")


@pytest.mark.parametrize(
    ("seconds", "text"), [(300, "5m"), (3600, "1h"), (86400 * 3, "3d"), (90, "90s"), (604800, "1w"), (5400, "90m")]
)
def test_format_duration_round_trips(seconds: int, text: str) -> None:
    td = pd.Timedelta(seconds=seconds)
    assert format_duration(td) == text
    assert parse_duration(text) == td


def test_format_duration_keeps_days_when_asked():
    assert format_duration(pd.Timedelta(days=7), weeks=False) == "7d"
    assert format_duration(pd.Timedelta(days=28), weeks=False) == "28d"
    assert format_duration(pd.Timedelta(days=7)) == "1w"


def test_format_time_is_utc_to_the_second():
    from capacity.core.timeutil import format_time

    assert format_time(pd.Timestamp("2026-11-26T18:02:42.313494+01:00")) == "2026-11-26T17:02:42Z"
    assert format_time(pd.Timestamp("2026-10-01T00:00:00Z")) == "2026-10-01T00:00:00Z"
    assert format_time("2026-10-01 02:00") == "2026-10-01T02:00:00Z"


@pytest.mark.parametrize("text", ["1000000y", "1000000000d", "36526d", 36526 * 86400.0, pd.Timedelta(days=40000)])
def test_durations_past_a_century_are_refused_by_name(text):
    from capacity.core.errors import ConfigError
    from capacity.core.timeutil import parse_duration

    with pytest.raises(ConfigError, match="--step: .* is longer than 100 years"):
        parse_duration(text, field="--step")
    assert parse_duration("36525d", field="--step") == pd.Timedelta(days=36525)
