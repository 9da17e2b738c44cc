"""PromQL selector construction, escaping and parsing."""

from __future__ import annotations

import pytest

from capacity.core.errors import ConfigError, PromQLSyntaxError
from capacity.core.frame import series_id
from capacity.metrics.promql import Matcher, Selector, parse_selector, quote, selector

NASTY = [
    "",
    'say "hi"',
    "back\\slash",
    "trailing\\",
    "new\nline",
    '\\"',
    '"}',
    "a,b=c}",
    "ünïcødé ✓",
    '{job=~".*"}',
    "tab\there",
]


def test_quote_escapes_backslash_quote_newline():
    # Written out by hand: each special character becomes a two-character escape.
    assert quote('a"b') == '"a\\"b"'
    assert quote("a\\b") == '"a\\\\b"'
    assert quote("a\nb") == '"a\\nb"'
    assert quote("plain") == '"plain"'


@pytest.mark.parametrize("value", NASTY)
def test_round_trip_equality_matcher(value):
    original = Selector("http_requests_total", (Matcher("handler", "=", value), Matcher("status", "!=", value)))
    text = selector(original.metric, original.matchers)
    assert "\n" not in text
    assert parse_selector(text) == original


@pytest.mark.parametrize("value", NASTY)
def test_round_trip_mapping_and_no_metric(value):
    text = selector(None, {"__name__": "up", "job": value})
    parsed = parse_selector(text)
    assert parsed == Selector(None, (Matcher("__name__", "=", "up"), Matcher("job", "=", value)))
    assert parsed.name == "up"


def test_selector_agrees_with_series_id_escaping():
    # series_id (frame.py) is an independent implementation of the same escaping.
    labels = {"b": 'x"y', "a": "p\\q\nr"}
    assert selector("m", dict(sorted(labels.items()))) == series_id("m", labels)


def test_selector_plain_name_and_regex():
    assert selector("up") == "up"
    assert selector("up", [Matcher("job", "=~", "api|web")]) == 'up{job=~"api|web"}'


@pytest.mark.parametrize("bad", ["1up", "has-dash", "sp ace", "", 'x"}'])
def test_selector_rejects_bad_metric_name_naming_it(bad):
    with pytest.raises(ConfigError) as info:
        selector(bad, {"a": "b"})
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize("bad", ["1a", "a:b", "a-b", 'x"'])
def test_selector_rejects_bad_label_name_naming_it(bad):
    with pytest.raises(ConfigError) as info:
        selector("up", {bad: "v"})
    assert repr(bad) in str(info.value)


def test_selector_needs_something():
    with pytest.raises(ConfigError):
        selector(None, {})


def test_matcher_rejects_unknown_op():
    with pytest.raises(ConfigError):
        Matcher("job", "==", "x")


def test_matcher_regex_is_anchored():
    m = Matcher("job", "=~", "api")
    assert m.matches("api")
    assert not m.matches("api-server")
    assert not m.matches("my-api")
    assert Matcher("job", "=~", "api.*").matches("api-server")
    assert Matcher("job", "!~", "api").matches("api-server")
    assert not Matcher("job", "!~", "a.i").matches("api")


def test_missing_label_is_empty_string():
    assert Matcher("env", "=", "").matches(None)
    assert Matcher("env", "!=", "prod").matches(None)
    assert not Matcher("env", "=~", ".+").matches(None)


def test_selector_matches_labels():
    s = parse_selector('http_requests_total{status=~"5..",method!="GET"}')
    assert s.matches({"__name__": "http_requests_total", "status": "503", "method": "POST"})
    assert not s.matches({"__name__": "http_requests_total", "status": "503", "method": "GET"})
    assert not s.matches({"__name__": "http_requests_total", "status": "200", "method": "POST"})
    assert not s.matches({"__name__": "other", "status": "503", "method": "POST"})
    by_name = parse_selector('{__name__=~"node_.*_bytes"}')
    assert by_name.matches({"__name__": "node_memory_MemTotal_bytes"})
    assert not by_name.matches({"__name__": "node_cpu_seconds_total"})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("up", Selector("up")),
        ("  up  ", Selector("up")),
        ("node:cpu:ratio", Selector("node:cpu:ratio")),
        ('up{job="api"}', Selector("up", (Matcher("job", "=", "api"),))),
        ('up { job = "api" , }', Selector("up", (Matcher("job", "=", "api"),))),
        ("up{job='a\"b'}", Selector("up", (Matcher("job", "=", 'a"b'),))),
        ("up{job=`raw\\n`}", Selector("up", (Matcher("job", "=", "raw\\n"),))),
        ('up{job="\\u00e9\\x41\\101\\t"}', Selector("up", (Matcher("job", "=", "\u00e9AA\t"),))),
        ("up{}", Selector("up", ())),
    ],
)
def test_parse_plain_selectors(text, expected):
    assert parse_selector(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "rate(http_requests_total[5m])",
        'http_requests_total{job="x"}[5m]',
        "up offset 5m",
        "up == 0",
        'sum by (le) (rate(x_bucket{a="b"}[5m]))',
        "1",
        "-up",
        "histogram_quantile(0.95, x)",
        'up{job="a"} / on() up',
    ],
)
def test_complex_expressions_are_not_selectors(text):
    assert parse_selector(text) is None


@pytest.mark.parametrize(
    "text",
    [
        'up{job="api"',
        'up{job="api}',
        "up{job='api}",
        'up{job="api",',
        "up{job=api}",
        "up{job}",
        "{}",
        '{job=~".*"}',
        'up{__name__="up"}',
        'up{job="\\q"}',
        'up{job=~"("}',
    ],
)
def test_malformed_selector_raises_a_config_error_naming_text(text):
    with pytest.raises(PromQLSyntaxError) as info:
        parse_selector(text)
    assert repr(text) in str(info.value)
    assert info.value.query == text
    assert isinstance(info.value, ConfigError)  # the text is configuration, not a server's answer
