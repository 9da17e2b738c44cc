"""The hostile corpus: each :class:`Case` is one ``capacity`` command run in a subprocess, bounded in
time (``timeout``, the process group killed past it) and memory (``RLIMIT_AS``), in a folder of its
own (cwd, HOME and the pull cache), with a bearer token and an API-key header in its environment.

:func:`verify` asserts what every case must keep true:

- the exit code (``rc``);
- stderr: no traceback, every line a ``capacity COMMAND:`` line, exactly one ``error:`` line when the
  command fails (exit 2), naming the culprit (every string of ``names``);
- no secret (the token, the API key, ``secrets``) in stdout, stderr, any file under the case's folder
  (cache, outputs, reports, partial notebooks) or anything the *other* loopback server received;
- the files the case put there beforehand are byte-identical afterwards (``changes`` lists the
  ones a successful run may write).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["APIKEY", "Case", "Run", "TOKEN", "cli", "environment", "run_case", "verify"]

TOKEN = "tok3f9a1c77e2b54d0c"
APIKEY = "key9b0e4a5d1c2f7788"
#: every case's environment (a case's ``env`` overrides or adds; an empty value removes)
BASE_ENV = {
    "CAPACITY_BEARER_TOKEN": TOKEN,
    "CAPACITY_HEADERS": f"X-Api-Key: {APIKEY}; X-Scope-OrgID: tenant-a",
}
MEMORY_LIMIT = 3 * 2**30
DEFAULT_TIMEOUT = 90.0


@dataclass(frozen=True)
class Case:
    """One hostile run. ``argv`` follows ``capacity``; ``{srv}``, ``{other}`` and ``{dir}`` in
    ``argv``, ``env`` and text ``files`` become the loopback servers' case URLs and the case folder."""

    id: str
    argv: tuple[str, ...]
    rc: int = 2
    #: strings stderr must contain (the file, field, query, series or URL at fault)
    names: tuple[str, ...] = ()
    #: relative path -> content, written before the run and checked unchanged after it
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    #: more strings that must appear nowhere (beside the token and the API key)
    secrets: tuple[str, ...] = ()
    #: strings stdout + stderr must not contain
    absent: tuple[str, ...] = ()
    #: files of ``files`` the run may change (the outputs of a successful run)
    changes: tuple[str, ...] = ()
    #: more set-up in the folder (FIFOs, symlinks, immutable files, a filled cache): ``setup(folder, subs)``
    setup: Callable[[Path, Mapping[str, str]], None] | None = None
    #: more checks on the finished run
    check: Callable[[Run], None] | None = None
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class Run:
    case: Case
    folder: Path
    rc: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    before: dict[str, bytes]
    srv: str = ""
    other: str = ""

    @property
    def lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]


def _expand(text: str, subs: Mapping[str, str]) -> str:
    for key, value in subs.items():
        text = text.replace("{" + key + "}", value)
    return text


def _limits() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_case(case: Case, folder: Path, srv: str, other: str) -> Run:
    """Set up ``case`` in ``folder`` and run it."""
    subs = {"srv": f"{srv}/c/{case.id}", "other": f"{other}/c/{case.id}", "dir": str(folder)}
    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    for rel, content in case.files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            p.write_bytes(_expand(content, subs).encode("utf-8"))
        else:
            p.write_bytes(content)
    if case.setup is not None:
        case.setup(folder, subs)
    before = {rel: (folder / rel).read_bytes() for rel in case.files if (folder / rel).is_file()}
    env = environment(folder, case.env, subs)
    argv = [sys.executable, "-m", "capacity", *(_expand(a, subs) for a in case.argv)]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limits,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=case.timeout)
        rc: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        rc = None
    return Run(
        case,
        folder,
        rc,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - t0,
        before,
        srv=subs["srv"],
        other=subs["other"],
    )


def environment(folder: Path, extra: Mapping[str, str], subs: Mapping[str, str]) -> dict[str, str]:
    """A case's environment: no CAPACITY_* of ours, HOME and the pull cache in ``folder``, the base secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPACITY_")}
    env.update(
        HOME=str(folder / "home"),
        CAPACITY_CACHE_DIR=str(folder / "cache"),
        OPENBLAS_NUM_THREADS="1",
        PYTHONWARNINGS="",
        COLUMNS="200",
    )
    env.update(BASE_ENV)
    for key, value in extra.items():
        if value == "":
            env.pop(key, None)
        else:
            env[key] = _expand(value, subs)
    return env


def cli(folder: Path, subs: Mapping[str, str], *argv: str, env: Mapping[str, str] | None = None) -> None:
    """Run ``capacity argv`` in ``folder`` as a case would (for set-ups: a pull that fills the cache);
    it must succeed."""
    words = [sys.executable, "-m", "capacity", *(_expand(a, subs) for a in argv)]
    done = subprocess.run(
        words, cwd=folder, env=environment(folder, env or {}, subs), capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"set-up {argv} failed: {done.stderr.decode()[-2000:]}"


def _holds(data: bytes, secret: str) -> bool:
    """``secret`` in ``data`` as is, or escaped the way Markdown (``\\-``), JSON (``\\u00e9``) or a
    notebook's doubled escapes would show it."""
    raw = secret.encode()
    if raw in data or raw in data.replace(b"\\", b""):
        return True
    escaped = secret.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00")
    return escaped in data or escaped in data.replace(b"\\\\", b"\\")


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]


def verify(run: Run, other_log: list[str]) -> None:
    """Every assertion of the module docstring; ``other_log``: what the other server received from this case."""
    case, err = run.case, run.stderr
    shown = f"\n--- stderr ---\n{err[-3000:]}\n--- stdout ---\n{run.stdout[-1500:]}"
    assert run.rc is not None, f"{case.id}: still running after {case.timeout:.0f} s (killed){shown}"
    assert run.rc == case.rc, f"{case.id}: exit {run.rc}, expected {case.rc}{shown}"
    assert "Traceback" not in err, f"{case.id}: a traceback on stderr{shown}"
    strays = [ln for ln in run.lines if not ln.startswith("capacity")]
    assert not strays, f"{case.id}: stderr lines that are not capacity's own: {strays[:3]}{shown}"
    errors = [ln for ln in run.lines if ": error: " in ln]
    if case.rc == 2:  # (1 is "incomplete": said in warnings)
        assert len(errors) == 1, f"{case.id}: expected one error line, got {len(errors)}{shown}"
    origin = run.other.split("/c/", 1)[0]
    for name in case.names:
        name = _expand(name, {"srv": run.srv, "other": run.other, "other_origin": origin})
        assert name in err, f"{case.id}: stderr does not name {name!r}{shown}"
    for text in case.absent:
        assert text not in err and text not in run.stdout, f"{case.id}: {text!r} shown{shown}"
    secrets = [s for s in (TOKEN, APIKEY, *case.secrets) if s]
    for secret in secrets:
        assert secret not in run.stdout, f"{case.id}: a secret on stdout{shown}"
        assert secret not in err, f"{case.id}: a secret on stderr{shown}"
        leaked = [
            rel
            for p in _files(run.folder)
            if (rel := str(p.relative_to(run.folder))) not in case.files and _holds(p.read_bytes(), secret)
        ]
        assert not leaked, f"{case.id}: a secret written to {leaked}"
        assert not any(secret in text for text in other_log), f"{case.id}: a secret reached the other server"
    for rel, content in run.before.items():
        if rel in case.changes:
            continue
        p = run.folder / rel
        assert p.is_file(), f"{case.id}: {rel}, there before the run, is gone"
        assert p.read_bytes() == content, f"{case.id}: {rel}, there before the run, was changed"
    if case.check is not None:
        case.check(run)
