"""A real node_exporter and a Prometheus that scrapes (itself and given targets), on loopback.

    node = start_node_exporter(tmp / "node")              # prometheus-node-exporter on a free port
    prom = start_scraping_prometheus(tmp / "tsdb", [node.address], interval="1s")

Each :class:`~capacity.testing.servers.Server` keeps its daemon's own PID and stops it by that PID.
The node_exporter binary comes from ``CAPACITY_NODE_EXPORTER``, else ``prometheus-node-exporter``
(Debian) or ``node_exporter`` on PATH.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from .servers import Server, ServerError, _launch, binary, free_port

__all__ = ["node_exporter_binary", "start_node_exporter", "start_scraping_prometheus"]


def node_exporter_binary() -> str:
    name = os.environ.get("CAPACITY_NODE_EXPORTER")
    for cand in ([name] if name else []) + ["prometheus-node-exporter", "node_exporter"]:
        path = shutil.which(cand)
        if path:
            return path
    raise ServerError(
        "node_exporter binary not found: install it (Debian: apt-get install prometheus-node-exporter) "
        "or set CAPACITY_NODE_EXPORTER"
    )


def start_node_exporter(work_dir: str | os.PathLike[str], *, port: int | None = None) -> Server:
    """node_exporter on 127.0.0.1 with its default collectors; ready once /metrics answers."""
    data = Path(work_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    cmd = [node_exporter_binary(), f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    return _launch("node_exporter", cmd, port, data, "/metrics", 30.0)


def start_scraping_prometheus(
    tsdb_dir: str | os.PathLike[str],
    targets: Sequence[str],
    *,
    interval: str = "1s",
    port: int | None = None,
    deadline_s: float = 90.0,
) -> Server:
    """Prometheus on 127.0.0.1 scraping itself (job ``prometheus``) and ``targets`` (``host:port``,
    job ``node``) every ``interval``."""
    data = Path(tsdb_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = data.parent / f"{data.name}.scraping.yml"
    lines = [
        "global:",
        f"  scrape_interval: {interval}",
        f"  evaluation_interval: {interval}",
        "scrape_configs:",
        "  - job_name: prometheus",
        "    static_configs:",
        f"      - targets: ['127.0.0.1:{port}']",
    ]
    if targets:
        lines += [
            "  - job_name: node",
            "    static_configs:",
            f"      - targets: [{', '.join(repr(t) for t in targets)}]",
        ]
    config.write_text("\n".join(lines) + "\n")
    cmd = [
        binary("prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    return _launch("prometheus", cmd, port, data, "/-/ready", deadline_s)
