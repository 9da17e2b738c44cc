"""Servers that misbehave (the loopback servers of ``tests/hostile/loopback.py``) and credentials
that are malformed: every answer is bounded, every message names the server without a secret."""

from __future__ import annotations

from ..harness import TOKEN, Case, Run

RANGE = ("--start", "2026-09-01T00:00:00Z", "--end", "2026-09-01T06:00:00Z", "--step", "1m")
FAST = {"CAPACITY_CONFIG": "{dir}/fast.yaml"}
FAST_FILE = {"fast.yaml": "limits: {timeout: 1, max_retry_wait: 5}\n"}


def pull(behaviour: str, *more: str, metric: str = "up") -> tuple[str, ...]:
    return ("pull", metric, "--source", "{srv}/" + behaviour, *RANGE, "--format", "csv", *more)


def _nothing_sent_elsewhere(run: Run) -> None:
    from ..conftest import CORPUS

    got = CORPUS.other.requests_of(run.case.id)
    assert not got, f"the other server received {len(got)} request(s): {got[0].text()[:300]}"


def _server_got_clean_token(run: Run) -> None:
    from ..conftest import CORPUS

    seen = CORPUS.srv.requests_of(run.case.id)
    assert seen, "the server received nothing"
    assert all(s.headers.get("Authorization") == f"Bearer {TOKEN}" for s in seen), seen[0].headers


def _rows(n: int):
    def check(run: Run) -> None:
        lines = run.stdout.strip().splitlines()
        assert len(lines) == n + 1, f"{len(lines) - 1} rows, expected {n}"

    return check


def _fast(run: Run) -> None:
    # bounded: 5 attempts of at most 4 x the 1 s timeout, waits between them (~32 s idle), and headroom
    # for a loaded machine; an unbounded read would run into the case's time limit instead
    assert run.seconds < 80, f"took {run.seconds:.0f} s"


def _escaped(run: Run) -> None:
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout, "a terminal escape reached stdout"


CASES = [
    Case("server-ok", pull("ok"), rc=0, check=_rows(361)),
    Case("server-ok-table-ansi-labels", ("pull", "up", "--source", "{srv}/values-ansi", *RANGE), rc=0, check=_escaped),
    Case("server-reflect-502", pull("reflect-502"), names=("{srv}/reflect-502", "HTTP 502")),
    Case("server-reflect-400", pull("reflect-400"), names=("{srv}/reflect-400", "HTTP 400, a non-JSON answer")),
    Case("server-reflect-200-html", pull("reflect-200"), names=("{srv}/reflect-200", "HTTP 200, a non-JSON answer")),
    Case("server-reflect-error-json", pull("reflectjson"), names=("bad_data",)),
    Case("server-reflect-warning", pull("reflectwarn"), rc=0, names=("partial answer",)),
    Case(
        "server-redirect-other-origin",
        pull("redirect-other"),
        names=("{srv}/redirect-other", "another origin", "give --source {other_origin}"),
        check=_nothing_sent_elsewhere,
    ),
    Case("server-redirect-same-origin", pull("redirect-same"), rc=0, check=_rows(361)),
    Case("server-redirect-loop", pull("redirect-loop"), names=("{srv}/redirect-loop", "loop"), check=_fast),
    Case("server-gzip-bomb", pull("gzipbomb"), names=("{srv}/gzipbomb", "inflates past 512 MiB"), check=_fast),
    Case("server-huge-body", pull("hugebody"), names=("{srv}/hugebody", "larger than 512 MiB"), check=_fast),
    Case("server-huge-length", pull("hugelength"), names=("{srv}/hugelength", "announces"), check=_fast),
    Case("server-gzip-cut", pull("gzipbad"), names=("{srv}/gzipbad",)),
    Case(
        "server-trickle",
        pull("trickle"),
        env=FAST,
        files=FAST_FILE,
        names=("{srv}/trickle",),
        check=_fast,
    ),
    Case("server-hang", pull("hang"), env=FAST, files=FAST_FILE, names=("{srv}/hang", "1 s"), check=_fast),
    Case("server-retry-after-2", pull("retry-2"), rc=0, names=("waiting 2 s",), check=_rows(361)),
    Case("server-retry-after-99999", pull("busy-99999"), names=("retry after 99999 s", "30 s limit")),
    Case(
        "server-retry-after-over-config",
        pull("busy-9"),
        env=FAST,
        files=FAST_FILE,
        names=("retry after 9 s", "5 s limit"),
    ),
    Case("server-retry-after-date", pull("busy-date"), names=("{srv}/busy-date", "retry after")),
    Case("server-401", pull("status-401"), names=("HTTP 401", "CAPACITY_BEARER_TOKEN")),
    Case("server-403", pull("status-403"), names=("HTTP 403",)),
    Case("server-404", pull("status-404"), names=("{srv}/status-404", "HTTP 404")),
    Case("server-500-retried", pull("status-500"), names=("{srv}/status-500", "HTTP 500")),
    Case(
        "server-refused",
        ("pull", "up", "--source", "http://127.0.0.1:1", *RANGE),
        names=("http://127.0.0.1:1", "refused"),
    ),
    *[
        Case(f"server-shape-{name}", pull(f"shape-{name}"), names=("{srv}/shape-" + name,))
        for name in (
            "datalist",
            "resultdict",
            "vector",
            "nostatus",
            "html",
            "empty",
            "binary",
            "truncjson",
            "valuesnotlist",
            "pointgarbage",
            "metricnotdict",
            "hugetime",
            "nulls",
            "deepjson",
        )
    ],
    Case("server-values-nan", pull("values-nan"), rc=0, check=_rows(361)),
    Case("server-values-inf", pull("values-inf"), rc=0, check=_rows(361)),
    Case("server-values-text", pull("values-text"), names=("{srv}/values-text",)),
    Case("server-bad-status-line", pull("rawline-status"), names=("{srv}/rawline-status",)),
    Case("server-100kb-header", pull("rawline-header"), names=("{srv}/rawline-header",)),
    Case("server-closes-silently", pull("rawline-close"), names=("{srv}/rawline-close",)),
    Case(
        "server-slo-no-data",
        ("slo", "--source", "{srv}/ok", "--window", "1d", "--end", "2026-09-02"),
        rc=1,
        names=("no data for 'http_requests_total'",),
        check=_fast,
    ),
    Case("server-long-promql-post", pull("ok", metric="up or " * 3000 + "up"), rc=0, check=_rows(361)),
    Case("server-promql-quotes", pull("ok", metric='up{job="a\\"b\\nc"}'), rc=0),
    # URLs and credentials
    Case(
        "url-userinfo-uppercase-scheme",
        ("pull", "up", "--source", "HTTP://ops:pw1234567@127.0.0.1:1", *RANGE),
        names=("credentials",),
        secrets=("pw1234567",),
    ),
    Case(
        "url-broken-ipv6",
        ("pull", "up", "--source", "http://user:pw7654321@[::1", *RANGE),
        names=("URL",),
        secrets=("pw7654321",),
    ),
    Case(
        "url-port-out-of-range",
        ("pull", "up", "--source", "http://127.0.0.1:99999", *RANGE),
        names=("Port out of range",),
    ),
    Case(
        "url-query-token",
        ("pull", "up", "--source", "http://127.0.0.1:1/?token=qq1234567", *RANGE),
        names=("query",),
        secrets=("qq1234567",),
    ),
    Case("url-ftp", ("pull", "up", "--source", "ftp://127.0.0.1/x", *RANGE), names=("ftp://127.0.0.1/x",)),
    Case(
        "token-trailing-newline",
        pull("ok"),
        env={"CAPACITY_BEARER_TOKEN": TOKEN + "\n"},
        rc=0,
        check=_server_got_clean_token,
    ),
    Case(
        "token-inner-newline",
        pull("ok"),
        env={"CAPACITY_BEARER_TOKEN": "abc\ndefsecret99"},
        names=("CAPACITY_BEARER_TOKEN",),
        secrets=("defsecret99",),
    ),
    Case(
        "token-not-latin1",
        pull("ok"),
        env={"CAPACITY_BEARER_TOKEN": "tökén-✓-secret"},
        names=("CAPACITY_BEARER_TOKEN",),
        secrets=("tökén-✓-secret", "secret"),
    ),
    Case(
        "token-file-not-utf8",
        pull("ok"),
        env={"CAPACITY_BEARER_TOKEN": "", "CAPACITY_BEARER_TOKEN_FILE": "{dir}/token"},
        files={"token": b"\xffsecretinfile"},
        names=("CAPACITY_BEARER_TOKEN_FILE", "UTF-8"),
        secrets=("secretinfile",),
    ),
    Case(
        "token-file-reflected",
        pull("reflect-502"),
        env={"CAPACITY_BEARER_TOKEN": "", "CAPACITY_BEARER_TOKEN_FILE": "{dir}/token"},
        files={"token": "fromfile5e3f2a\n"},
        names=("HTTP 502",),
        secrets=("fromfile5e3f2a",),
    ),
    Case(
        "token-file-missing",
        pull("ok"),
        env={"CAPACITY_BEARER_TOKEN": "", "CAPACITY_BEARER_TOKEN_FILE": "{dir}/nope"},
        names=("CAPACITY_BEARER_TOKEN_FILE",),
    ),
    Case(
        "basic-auth-reflected",
        pull("reflect-502"),
        env={
            "CAPACITY_BEARER_TOKEN": "",
            "CAPACITY_BASIC_AUTH_USER": "ops",
            "CAPACITY_BASIC_AUTH_PASSWORD": "bpw3141592",
        },
        names=("HTTP 502",),
        secrets=("bpw3141592", "b3BzOmJwdzMxNDE1OTI="),  # the password, and user:password in base64
    ),
    Case("headers-malformed", pull("ok"), env={"CAPACITY_HEADERS": "no colon here"}, names=("CAPACITY_HEADERS",)),
    Case(
        "headers-authorization-reflected",
        pull("reflect-502"),
        env={"CAPACITY_BEARER_TOKEN": "", "CAPACITY_HEADERS": "Authorization: ApiKey hdrsecret1"},
        names=("HTTP 502",),
        secrets=("hdrsecret1",),
    ),
    Case("tls-verify-maybe", pull("ok"), env={"CAPACITY_TLS_VERIFY": "maybe"}, names=("CAPACITY_TLS_VERIFY",)),
    Case(
        "report-url-with-password",
        ("report", "quarterly_review", "--source", "http://ops:rpw2718281@127.0.0.1:1"),
        names=("credentials",),
        secrets=("rpw2718281",),
    ),
    Case(
        "report-param-url-with-password",
        ("report", "quarterly_review", "-p", "source=http://ops:ppw1618033@127.0.0.1:1"),
        names=("source",),
        secrets=("ppw1618033",),
    ),
    Case(
        "report-reflected-warnings",
        ("report", "quarterly_review", "--source", "{srv}/reflectwarn", "--no-html", "-p", "quarter=2026Q3"),
        rc=0,
        check=lambda run: _report_quotes_warnings(run),
        timeout=240,
    ),
    Case(
        "report-reflecting-server",
        ("report", "quarterly_review", "--source", "{srv}/reflect-502", "--no-html"),
        names=("quarterly_review", "HTTP 502"),
        check=lambda run: _partial_left(run),
        timeout=240,
    ),
]


def _partial_left(run: Run) -> None:
    partial = run.folder / "reports" / "quarterly_review.partial.ipynb"
    assert partial.is_file(), "no partial notebook left to show what ran"


def _report_quotes_warnings(run: Run) -> None:
    nb = (run.folder / "reports" / "quarterly_review.ipynb").read_text()
    assert "partial answer for" in nb, "the server's warnings are not in the report (nothing was checked)"
