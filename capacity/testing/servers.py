"""Start real Prometheus / VictoriaMetrics daemons on loopback for tests and benchmarks.

    with start_prometheus(tsdb_dir) as srv:      # free 127.0.0.1 port, own TSDB, retention 5y
        requests.get(srv.url + "/api/v1/query", params={"query": "up"})

Binaries come from ``CAPACITY_PROMETHEUS`` / ``CAPACITY_VICTORIA`` (else PATH).
Each :class:`Server` keeps its daemon's own PID and stops it by that PID only.
Backfill history *before* starting Prometheus (``capacity.sources.openmetrics.backfill``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Server", "ServerError", "binary", "free_port", "start_prometheus", "start_victoria", "vm_import"]


class ServerError(RuntimeError):
    """A daemon could not be found or started (message carries its log tail)."""


def binary(kind: str) -> str:
    """Path of ``prometheus``, ``promtool`` or ``victoria-metrics`` (env override, else PATH)."""
    env = {
        "prometheus": "CAPACITY_PROMETHEUS",
        "promtool": "CAPACITY_PROMTOOL",
        "victoria-metrics": "CAPACITY_VICTORIA",
    }[kind]
    name = os.environ.get(env) or kind
    path = shutil.which(name)
    if path is None:
        raise ServerError(
            f"{kind} binary not found ({name!r}): install it (Debian: apt-get install "
            f"{'prometheus' if kind != 'victoria-metrics' else 'victoria-metrics'}) or set {env}"
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Server:
    """A running daemon: ``url``, ``pid``, ``port``, its data dir and log file."""

    kind: str
    url: str
    port: int
    data_dir: Path
    log_path: Path
    proc: subprocess.Popen = field(repr=False)
    cmd: list[str] = field(repr=False, default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the daemon (by its own PID), as a crash would."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the daemon by its PID, SIGKILL it if it has not exited in ``timeout`` s."""
        if not self.alive():
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 15) -> str:
        return _tail(self.log_path, lines)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_ready(server: Server, path: str, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if not server.alive():
            raise ServerError(
                f"{server.kind} exited with code {server.proc.returncode} before it was ready; "
                f"command: {' '.join(server.cmd)}\nlog tail:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    server.stop()
    raise ServerError(
        f"{server.kind} not ready at {server.url}{path} after {deadline_s:.0f} s\nlog tail:\n{server.log_tail()}"
    )


def _launch(kind: str, cmd: list[str], port: int, data_dir: Path, ready_path: str, deadline_s: float) -> Server:
    log_path = data_dir.parent / f"{data_dir.name}.{kind}.{port}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    server = Server(kind, f"http://127.0.0.1:{port}", port, data_dir, log_path, proc, cmd)
    _wait_ready(server, ready_path, deadline_s)
    return server


def start_prometheus(
    tsdb_dir: str | os.PathLike[str],
    *,
    port: int | None = None,
    retention: str = "5y",
    extra_args: tuple[str, ...] = (),
    deadline_s: float = 90.0,
) -> Server:
    """Start Prometheus on 127.0.0.1 with its own TSDB at ``tsdb_dir`` (no scrape jobs);
    return once ``/-/ready`` answers 200. ``port`` reuses a port (for a restart)."""
    exe = binary("prometheus")
    data = Path(tsdb_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    config = data.parent / f"{data.name}.prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n")
    port = port or free_port()
    cmd = [
        exe,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--storage.tsdb.retention.time={retention}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        *extra_args,
    ]
    return _launch("prometheus", cmd, port, data, "/-/ready", deadline_s)


def start_victoria(
    data_dir: str | os.PathLike[str],
    *,
    port: int | None = None,
    retention: str = "5y",
    extra_args: tuple[str, ...] = (),
    deadline_s: float = 60.0,
) -> Server:
    """Start VictoriaMetrics on 127.0.0.1 (retention 5y: the 1-month default drops old imports)."""
    exe = binary("victoria-metrics")
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    cmd = [
        exe,
        f"-storageDataPath={data}",
        f"-retentionPeriod={retention}",
        f"-httpListenAddr=127.0.0.1:{port}",
        "-search.disableCache",
        "-loggerLevel=WARN",
        *extra_args,
    ]
    return _launch("victoria-metrics", cmd, port, data, "/health", deadline_s)


def vm_import(server: Server, payload_path: str | os.PathLike[str]) -> None:
    """POST a Prometheus-text file (ms timestamps) to VictoriaMetrics and flush it to search."""
    with open(payload_path, "rb") as fh:
        req = urllib.request.Request(server.url + "/api/v1/import/prometheus", data=fh.read(), method="POST")
    with urllib.request.urlopen(req, timeout=300) as resp:
        if resp.status not in (200, 204):
            raise ServerError(f"VictoriaMetrics import answered HTTP {resp.status}")
    with urllib.request.urlopen(server.url + "/internal/force_flush", timeout=60):
        pass
