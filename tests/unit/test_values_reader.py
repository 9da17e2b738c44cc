"""The C values reader (capacity/sources/_valuesc.c) against Python's own float() and json.

Every text is read twice: by the fast path and by ``json`` + ``float`` (the
oracle); the results must be bit-for-bit equal, and every shape the C reader
does not accept must still be read correctly through the json path.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from capacity.sources.prometheus import _matrix
from capacity.sources.prometheus._matrix import Piece, _fast, parse

T = 1788220800

TEXTS = [
    "0",
    "-0",
    "1",
    "-1",
    "+1.5",
    "0.1",
    "0.30000000000000004",
    "123456789012345678",
    "9007199254740993",
    "9007199254740992",
    "18446744073709551615",
    "12345678901234567890123",
    "100000000000000000000000",
    "1e22",
    "1e23",
    "1e+21",
    "1.5e-07",
    "-1.5e-7",
    "1E5",
    "0.000001",
    "0.0000001",
    "1.7976931348623157e+308",
    "2.2250738585072014e-308",
    "5e-324",
    "4.9406564584124654e-324",
    "1e400",
    "-1e400",
    "1e-400",
    "3439829391558.2",
    "0.1000000000000000055511151231257827",
    "00012.5000",
    "1234567.0000000001",
    "NaN",
    "+Inf",
    "-Inf",
    "Inf",
    "1e37",
    "123e35",
]


def _body(values: list[list], metric: dict | None = None) -> bytes:
    body = {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": metric or {"__name__": "m"}, "values": values}]},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _bits(a: np.ndarray) -> list[int]:
    return np.asarray(a, dtype=np.float64).view(np.int64).tolist()


@pytest.fixture(autouse=True)
def _needs_c():
    assert _matrix._valuesc is not None, (
        "the C reader capacity/sources/_valuesc.c was not built (pip install -e . needs a C compiler)"
    )


def test_values_equal_python_float_bit_for_bit():
    values = [[T + 60 * i, t] for i, t in enumerate(TEXTS)]
    p = Piece(0, len(values) - 1)
    assert _fast(_body(values), 0, 2**62, p)
    got = p.series["m"][1]
    want = np.array([float(t) for t in TEXTS])
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert _bits(got[ok]) == _bits(want[ok]), [
        t for t, a, b in zip(TEXTS, got, want, strict=False) if not (a == b or math.isnan(b))
    ]


def test_random_values_in_go_formats_match_float():
    # Prometheus writes shortest round-trip digits, 'f' style for 1e-6 <= |x| < 1e21 and 'e' style otherwise
    rng = np.random.default_rng(11)
    x = np.concatenate(
        [
            rng.standard_normal(4000) * 10.0 ** rng.integers(-12, 25, 4000),
            np.array(
                [round(v, int(d)) for v, d in zip(rng.uniform(0, 1e6, 2000), rng.integers(0, 6, 2000), strict=False)]
            ),
            rng.integers(0, 2**62, 2000).astype(np.float64),
        ]
    )
    texts = [np.format_float_positional(v, trim="-") if 1e-6 <= abs(v) < 1e21 else repr(float(v)) for v in x]
    p = Piece(0, len(x) - 1)
    assert _fast(_body([[T + 60 * i, t] for i, t in enumerate(texts)]), 0, 2**62, p)
    assert _bits(p.series["m"][1]) == _bits([float(t) for t in texts])


@pytest.mark.parametrize(
    "stamp,ns",
    [
        ("1788220800", 1788220800 * 10**9),
        ("1788220800.5", 1788220800_500_000_000),
        ("1788220800.123", 1788220800_123_000_000),
        ("1788220800.05", 1788220800_050_000_000),
        ("-1.5", -1_500_000_000),
        ("0", 0),
    ],
)
def test_times_are_exact_nanoseconds(stamp, ns):
    raw = _body([]).replace(b'"values":[]', b'"values":[[' + stamp.encode() + b',"1"]]')
    p = Piece(0, 0)
    assert _fast(raw, -(2**62), 2**62, p)
    assert p.series["m"][0].tolist() == [ns]


@pytest.mark.parametrize(
    "values_text",
    [
        b'[[1788220800.1234,"1"]]',  # finer than a millisecond
        b'[[1788220800, "1"]]',  # whitespace
        b'[[1788220800,"1x"]]',  # not a number
        b"[[1788220800,1]]",  # an unquoted value
        b'[[1.7882208e9,"1"]]',  # an exponent in the time
        b'[[12345678901234567890123,"1"]]',  # a time past what int64 nanoseconds hold
    ],
)
def test_other_shapes_go_through_json(values_text):
    raw = _body([]).replace(b'"values":[]', b'"values":' + values_text)
    with pytest.raises(ValueError):
        _fast(raw, 0, 2**62, Piece(0, 0))
    p = Piece(0, 0)
    try:
        parse(raw, 0, 2**62, p)
    except _matrix.SourceError as exc:  # json could not read it either: a clear error, not a wrong number
        assert ("'1x'" in str(exc) and "series m" in str(exc)) or "outside what nanosecond timestamps hold" in str(exc)
        assert values_text.endswith(b'"1x"]]') or values_text.startswith(b"[[123456789012345")
        return
    ns, y = p.series["m"]
    want = json.loads(values_text)[0]
    assert ns.tolist() == [round(float(want[0]) * 1000) * 1_000_000] and y.tolist() == [float(want[1])]


def test_more_points_than_steps_and_empty_series():
    values = [[T + 30 * i, str(i)] for i in range(10)]  # a server off our grid: twice the points
    p = Piece(0, 4)
    assert _fast(_body(values), 0, 2**62, p)
    assert p.series["m"][1].tolist() == list(range(10))
    empty = Piece(0, 4)  # (Prometheus never sends an empty series; the json path reads it)
    body = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[]},{"metric":{"a":"2"},"values":[[1,"2"]]}]}}'  # noqa: E501 (a literal query / response body)
    parse(body, 0, 2**62, empty)
    assert {k: v[1].tolist() for k, v in empty.series.items()} == {'{a="2"}': [2.0]}


def test_truncated_answer_is_a_clear_error():
    raw = _body([[T + 60 * i, "1.5"] for i in range(100)])
    for cut in (len(raw) // 2, len(raw) - 3):
        with pytest.raises(_matrix.SourceError, match="not JSON"):
            parse(raw[:cut], 0, 2**62, Piece(0, 99))


def test_times_out_of_order_go_through_json_and_range_is_clipped():
    shuffled = [[T + 60, "1"], [T, "2"], [T + 120, "3"]]
    with pytest.raises(ValueError):
        _fast(_body(shuffled), 0, 2**62, Piece(0, 2))
    p = Piece(0, 2)
    parse(_body(shuffled), 0, 2**62, p)
    assert p.series["m"][1].tolist() == [1.0, 2.0, 3.0]  # as sent
    # in order: a piece keeps only [lo, hi], both ends inclusive
    values = [[T + 60 * i, str(i)] for i in range(10)]
    q = Piece(0, 9)
    assert _fast(_body(values), (T + 120) * 10**9, (T + 420) * 10**9, q)
    assert q.series["m"][1].tolist() == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_frames_from_unordered_answers_are_still_canonical():
    from capacity.core import frame as F
    from capacity.sources.prometheus._matrix import frame_from_pieces

    spaced = json.dumps(
        {
            "status": "success",
            "data": {
                "resultType": "matrix",
                "result": [{"metric": {"__name__": "m"}, "values": [[T + 60, "1"], [T, "2"]]}],
            },
        }
    ).encode()  # json path, out of order
    p1, p2 = Piece(0, 1), Piece(2, 3)
    parse(spaced, 0, 2**62, p1)
    assert _fast(_body([[T + 120, "3"], [T + 180, "4"]]), 0, 2**62, p2)
    assert not p1.increasing and p2.increasing
    frame = frame_from_pieces([p2, p1])
    F.validate(frame)
    assert frame["y"].tolist() == [2.0, 1.0, 3.0, 4.0]


def test_mutated_answers_never_give_wrong_numbers():
    # byte flips, cuts and insertions in a real-shaped answer: the C reader either refuses
    # (ValueError: the json path takes over) or reads exactly what json + float read
    rng = np.random.default_rng(3)
    base = _body([[T + 60 * i, t] for i, t in enumerate(["1.5", "-0.25", "1e-7", "NaN", "+Inf", "123456789.123", "7"])])
    alphabet = b'0123456789.,-+eE"[]{}: NaInf'
    compared = 0
    for _ in range(3000):
        raw = bytearray(base)
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(0, len(raw)))
            op = rng.integers(0, 3)
            if op == 0:
                raw[i] = alphabet[int(rng.integers(0, len(alphabet)))]
            elif op == 1:
                del raw[i]
            else:
                raw.insert(i, alphabet[int(rng.integers(0, len(alphabet)))])
        raw = bytes(raw)
        fast = Piece(0, 10)
        try:
            ok = _fast(raw, 0, 2**62, fast)
        except (ValueError, _matrix.SourceError):
            continue
        if not ok:
            continue
        try:
            body = json.loads(raw)
        except ValueError:
            continue  # the envelope around the series decides: the json path reports it
        slow = Piece(0, 10)
        try:
            _matrix.parse_json(body, 0, 2**62, slow)
        except (_matrix.SourceError, AttributeError, TypeError):
            continue
        assert fast.series.keys() == slow.series.keys()
        for k in fast.series:
            a, b = fast.series[k][1], slow.series[k][1]
            assert fast.series[k][0].tolist() == slow.series[k][0].tolist(), raw
            assert np.array_equal(np.isnan(a), np.isnan(b)) and _bits(a[~np.isnan(a)]) == _bits(b[~np.isnan(b)]), raw
        compared += 1
    assert compared >= 150  # enough mutated answers were read both ways (179 with this seed)
