"""The CLI's one error boundary: every failure is one line and exit 2; --debug shows the traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.cli import main, scrub

WP = "data/real/wikipedia-pageviews/wp_R_daily_views.csv"


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    err = [e for e in err if "note:" not in e and "warning:" not in e]
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(capsys, monkeypatch):
    import capacity.cli.pull as pull_cmd

    def broken(args):  # an injected bug: no input reaches this on purpose any more
        raise RuntimeError("boom at http://ann:pw@h:9/x")

    monkeypatch.setattr(pull_cmd, "run", broken)
    assert main(["pull", "users_total"]) == 2
    line = _one_line(capsys)
    assert line.startswith("capacity pull: error: unexpected RuntimeError: boom at http://***@h:9/x")
    assert "--debug" in line and "pw" not in line
    with pytest.raises(RuntimeError):
        main(["pull", "users_total", "--debug"])
    monkeypatch.setenv("CAPACITY_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["pull", "users_total"])


def test_a_url_the_standard_library_cannot_parse_is_named_without_its_password(capsys):
    assert main(["pull", "users_total", "--source", "http://user:s3cret@[::1"]) == 2
    line = _one_line(capsys)
    assert "source URL is not a valid URL (Invalid IPv6 URL)" in line and "s3cret" not in line


def test_files_the_system_refuses_are_named(capsys, tmp_path: Path):
    target = tmp_path / "out.csv"
    target.mkdir()
    assert main(["forecast", "--source", WP, "--horizon", "7d", "--models", "naive", "--out", str(target)]) == 2
    assert f"--out {target}: is a directory" in _one_line(capsys)


def test_scrub_blanks_url_credentials_and_the_environments_secrets(monkeypatch):
    monkeypatch.setenv("CAPACITY_BEARER_TOKEN", "tok-0123456789")
    monkeypatch.setenv("CAPACITY_HEADERS", "X-Api-Key: key-abcdefgh; X-Scope-OrgID: t")
    text = scrub("GET HTTP://ann:pw@host:9/x failed: Bearer tok-0123456789 key-abcdefgh\nsecond line")
    assert text == "GET HTTP://***@host:9/x failed: Bearer *** *** second line"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["pull", "users_total", "--start", "1970-01-01", "--end", "2262-01-01", "--step", "1s"],
            "9,214,646,401 points",
        ),
        (
            ["slo", "--window", "36525d"],
            "52,596,001 points (~803 MiB, 4,782 requests to a server), more than the limit",
        ),
        (["slo", "--window", "30d", "--max-points", "1000"], "43,201 points (<1 MiB, 4 requests to a server)"),
        (["slo", "--window", "100000d"], "window: '100000d' is longer than 100 years"),
    ],
)
def test_pulls_too_large_to_hold_are_refused_before_any_request(capsys, argv, needle):
    assert main(argv) == 2
    assert needle in _one_line(capsys)


def test_the_point_limit_is_raised_by_option_or_config(capsys, tmp_path: Path):
    assert main(["pull", "cpu_utilization", "--max-points", "10080", "--format", "csv"]) == 2
    line = _one_line(capsys)
    assert "10,081 points" in line and "raise the limit (--max-points N, or limits: {max_points: N}" in line
    assert main(["pull", "cpu_utilization", "--max-points", "10081", "--format", "csv"]) == 0
    cfg = tmp_path / "capacity.yaml"
    cfg.write_text("source: sample\nlimits: {max_points: 100}\n")
    assert main(["pull", "cpu_utilization", "--config", str(cfg)]) == 2
    assert "more than the limit of 100 a series" in _one_line(capsys)
    assert main(["pull", "cpu_utilization", "--config", str(cfg), "--max-points", "20000", "--format", "csv"]) == 0
    capsys.readouterr()
    assert main(["pull", "cpu_utilization", "--max-points", "0"]) == 2
    assert "--max-points: expected a number from 1" in _one_line(capsys)
    cfg.write_text("limits: {timeout: forever}\n")
    assert main(["pull", "cpu_utilization", "--config", str(cfg)]) == 2
    assert "limits.timeout: expected a number from 0.1 to 3600, got 'forever'" in _one_line(capsys)


def test_a_report_folder_that_is_a_file_is_named(capsys, tmp_path: Path):
    afile = tmp_path / "reports"
    afile.write_text("not a folder")
    assert main(["report", "slo_compliance", "--out-dir", str(afile)]) == 2
    assert f"--out-dir {afile}: is a file, not a folder" in _one_line(capsys)
    assert main(["report", "slo_compliance", "--out-dir", str(afile / "sub")]) == 2
    assert "cannot create it (Not a directory)" in _one_line(capsys)
    assert afile.read_text() == "not a folder"  # nothing already stored is touched
