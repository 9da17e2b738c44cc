"""Where results go: --out / --labels / --out-dir onto directories, immutable files, missing or
unwritable folders, devices and symlinks; what was there before stays whole, and modes are kept."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from pathlib import Path

from ..harness import Case, Run

PULL = ("pull", "cpu_utilization", "--start", "2026-09-30", "--step", "1h")
OLD = "unique_id,ds,y\nold,2026-01-01T00:00:00Z,1\n"


def _chattr(path: Path, flag: str) -> None:
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, check=False)
    assert done.returncode == 0, f"chattr {flag} {path}: {done.stderr.decode().strip()} (needs e2fsprogs and root)"


def _immutable(rel: str):
    def setup(folder: Path, subs) -> None:
        _chattr(folder / rel, "+i")

    return setup


def _undo(rel: str, more=None):
    """A check that first makes ``rel`` mutable again (so the folder can be removed), then runs ``more``."""

    def check(run: Run) -> None:
        with contextlib.suppress(AssertionError):
            _chattr(run.folder / rel, "-i")
        if more is not None:
            more(run)

    return check


def _mkdir(rel: str, *, immutable: bool = False):
    def setup(folder: Path, subs) -> None:
        (folder / rel).mkdir(parents=True)
        if immutable:
            _chattr(folder / rel, "+i")

    return setup


def _mode(rel: str, mode: int):
    def setup(folder: Path, subs) -> None:
        os.chmod(folder / rel, mode)

    return setup


def _kept_mode(rel: str, mode: int, new_content: str):
    def check(run: Run) -> None:
        p = run.folder / rel
        assert stat.S_IMODE(p.stat().st_mode) == mode, f"{rel}: mode {oct(p.stat().st_mode)} after the run"
        assert new_content in p.read_text(), f"{rel} was not rewritten"

    return check


def _no_temporaries(run: Run) -> None:
    left = [p.name for p in run.folder.rglob(".*.tmp")] + [p.name for p in run.folder.rglob(".*.ipynb")]
    assert not left, f"temporary files left behind: {left}"


def _fifo(folder: Path, subs) -> None:
    os.mkfifo(folder / "out.fifo")


def _symlinked(folder: Path, subs) -> None:
    (folder / "real.csv").write_text(OLD)
    (folder / "link.csv").symlink_to("real.csv")


def _symlink_kept(run: Run) -> None:
    link = run.folder / "link.csv"
    assert link.is_symlink(), "the symlink was replaced by a file"
    assert "cpu_utilization" in (run.folder / "real.csv").read_text(), "the file it points to was not written"


def _null_device_kept(run: Run) -> None:
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null is no longer a device"


def _file_at(rel: str):
    def setup(folder: Path, subs) -> None:
        (folder / rel).write_text("not a folder\n")

    return setup


CASES = [
    Case("out-directory", (*PULL, "--out", "outdir"), setup=_mkdir("outdir"), names=("--out outdir", "directory")),
    Case("out-missing-folder", (*PULL, "--out", "no/such/dir/x.csv"), names=("--out", "no/such/dir")),
    Case(
        "out-immutable-file",
        (*PULL, "--out", "old.csv"),
        files={"old.csv": OLD},
        setup=_immutable("old.csv"),
        check=_undo("old.csv", _no_temporaries),
        names=("--out old.csv", "cannot replace"),
    ),
    Case(
        "out-immutable-folder",
        (*PULL, "--out", "locked/x.csv"),
        setup=_mkdir("locked", immutable=True),
        check=_undo("locked"),
        names=("--out locked/x.csv",),
    ),
    Case("out-unknown-extension", (*PULL, "--out", "x.xlsx"), names=("--out x.xlsx", "extension")),
    Case(
        "labels-directory",
        (*PULL, "--out", "x.csv", "--labels", "outdir"),
        setup=_mkdir("outdir"),
        names=("--labels outdir",),
    ),
    Case("rules-out-directory", ("rules", "--out", "outdir"), setup=_mkdir("outdir"), names=("--out outdir",)),
    Case(
        "slo-out-directory",
        ("slo", "--window", "7d", "--out", "outdir"),
        setup=_mkdir("outdir"),
        names=("--out outdir",),
    ),
    Case(
        "out-failed-pull-keeps-old",
        ("pull", "no_such_metric", "--out", "old.csv"),
        files={"old.csv": OLD},
        names=("no_such_metric",),
        check=_no_temporaries,
    ),
    Case(
        "out-keeps-0644",
        (*PULL, "--out", "old.csv"),
        files={"old.csv": OLD},
        setup=_mode("old.csv", 0o644),
        changes=("old.csv",),
        rc=0,
        check=_kept_mode("old.csv", 0o644, "cpu_utilization"),
    ),
    Case(
        "out-keeps-0600",
        (*PULL, "--out", "old.csv"),
        files={"old.csv": OLD},
        setup=_mode("old.csv", 0o600),
        changes=("old.csv",),
        rc=0,
        check=_kept_mode("old.csv", 0o600, "cpu_utilization"),
    ),
    Case("out-dev-null", (*PULL, "--out", "/dev/null", "--format", "csv"), rc=0, check=_null_device_kept),
    Case("out-symlink", (*PULL, "--out", "link.csv"), setup=_symlinked, rc=0, check=_symlink_kept),
    Case(
        "report-out-dir-is-file",
        ("report", "quarterly_review", "--out-dir", "afile"),
        setup=_file_at("afile"),
        names=("--out-dir afile",),
    ),
    Case(
        "report-out-dir-immutable",
        ("report", "quarterly_review", "--out-dir", "locked"),
        setup=_mkdir("locked", immutable=True),
        check=_undo("locked"),
        names=("--out-dir locked",),
    ),
    Case(
        "forecast-ci-dir-is-file",
        ("forecast", "--ci", "--ci-dir", "afile", "--horizon", "30d"),
        setup=_file_at("afile"),
        names=("afile",),
    ),
    Case(
        "init-will-not-overwrite",
        ("init", "--source", "{srv}/ok", "--out", "capacity.yaml"),
        files={"capacity.yaml": "source: sample\n"},
        names=("capacity.yaml", "--force"),
    ),
    Case("cache-dir-is-a-file", ("cache", "info", "--dir", "afile"), setup=_file_at("afile"), names=("afile",)),
]
