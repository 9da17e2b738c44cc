"""The calendar of the bundled Artisan Platform history: span, incidents,
restarts and scrape gaps (all times UTC, fixed: no randomness here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TIMEZONE = "America/New_York"
START = pd.Timestamp("2025-08-01T00:00:00Z")
END = pd.Timestamp("2026-10-01T00:00:00Z")  # exclusive
MINUTES = int((END - START) / pd.Timedelta(minutes=1))  # 426 days


@dataclass(frozen=True)
class Incident:
    """A planted event: ``kind`` names what happens, [start, end) in UTC."""

    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    description: str


#: (kind, start, end, description), UTC
_INCIDENT_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # earlier history
    ("error_spike", "2025-11-28 18:00", "2025-11-28 18:20", "Black-Friday overload: 8% of requests answer 5xx"),
    ("outage", "2026-01-14 16:02", "2026-01-14 16:12", "API down 10 minutes after a bad config push"),
    ("slow_queries", "2026-02-18 14:30", "2026-02-18 14:50", "missing index after a migration: statements over 5 s"),
    ("upload_failures", "2026-03-12 17:00", "2026-03-12 17:40", "S3 throttling: 15% of uploads fail"),
    ("latency_regression", "2026-05-06 14:00", "2026-05-06 16:00", "slow serializer release: p95 about 0.6 s"),
    # September 2026: one of each
    ("error_spike", "2026-09-03 15:00", "2026-09-03 15:25", "bad deploy: 12% of requests answer 5xx"),
    ("outage", "2026-09-08 14:10", "2026-09-08 14:30", "API down 20 minutes (up == 0, no requests)"),
    ("memory_pressure", "2026-09-10 12:40", "2026-09-10 13:25", "memory leak: node memory above 90% from about 12:55"),
    ("backup_failure", "2026-09-12 02:00", "2026-09-13 02:00", "nightly postgres-backup job failed"),
    ("tls_late_renewal", "2026-09-13 12:00", "2026-09-15 10:00", "certificate renewal stuck: under 7 days to expiry"),
    ("latency_regression", "2026-09-15 13:00", "2026-09-15 19:00", "ORM regression: p95 about 0.65 s for six hours"),
    ("latency_severe", "2026-09-15 16:00", "2026-09-15 16:30", "lock contention: mean latency above 2 s"),
    ("slow_queries", "2026-09-15 15:55", "2026-09-15 16:35", "lock contention: statements over 5 s"),
    ("cache_flush", "2026-09-17 12:00", "2026-09-17 12:20", "Redis restarted empty: miss ratio about 85%"),
    ("upload_failures", "2026-09-19 15:00", "2026-09-19 16:30", "S3 throttling: 25% of uploads fail"),
    ("cpu_saturation", "2026-09-22 14:00", "2026-09-22 15:00", "report batch job: CPU about 88%"),
    ("disk_filling", "2026-09-24 02:00", "2026-09-25 10:00", "debug logging fills / below 10% free from about 07:30"),
    ("replication_lag", "2026-09-26 02:10", "2026-09-26 02:40", "bulk data migration: replica lag up to 3 minutes"),
)
INCIDENTS: tuple[Incident, ...] = tuple(
    Incident(kind, pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"), description)
    for kind, start, end, description in _INCIDENT_ROWS
)

#: Prometheus itself down: every series missing (start, minutes)
GLOBAL_GAPS: tuple[tuple[str, int], ...] = (
    ("2025-09-14 03:12", 7),
    ("2025-12-02 11:40", 3),
    ("2026-03-22 04:05", 45),
    ("2026-06-30 19:17", 2),
    ("2026-09-05 08:31", 6),
)
#: one exporter unreachable: its series missing, its ``up`` is 0 (job, start, minutes)
TARGET_GAPS: tuple[tuple[str, str, int], ...] = (
    ("postgres-exporter", "2026-01-20 03:00", 150),
    ("redis-exporter", "2026-02-10 01:00", 180),
    ("node-exporter", "2026-03-01 02:00", 6),  # node reboot (maintenance window)
)
NODE_REBOOT = "2026-03-01 02:06"
#: pg_stat_statements_reset() calls
PG_STATS_RESETS = ("2025-11-02 06:00", "2026-01-01 00:00")
#: Redis restarts (counters reset, memory emptied)
REDIS_RESTARTS = ("2026-02-10 04:00", "2026-09-17 12:00")
#: backup failures: (cronjob, the day its run failed)
BACKUP_FAILURES = (("postgres-backup", "2025-12-06"), ("redis-backup", "2026-04-04"), ("postgres-backup", "2026-09-12"))
#: max_connections raised
MAX_CONNECTIONS = (("2025-08-01", 200), ("2026-04-07 06:00", 300))
#: S3 quota raised
STORAGE_QUOTA_TIB = (("2025-08-01", 4.0), ("2026-07-20 15:00", 8.0))
#: latest TLS certificate before the late renewal, and the renewal time
TLS_LATE_EXPIRY = "2026-09-20 12:00"
TLS_LATE_RENEWAL = "2026-09-15 10:00"


def minute_index(ts: str | pd.Timestamp) -> int:
    """Index of the minute holding ``ts`` on the sample grid."""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return int((t - START) // pd.Timedelta(minutes=1))


def window_mask(kind: str, n: int = MINUTES) -> np.ndarray:
    """Boolean per minute: inside any incident of ``kind``."""
    out = np.zeros(n, dtype=bool)
    for inc in INCIDENTS:
        if inc.kind == kind:
            out[max(minute_index(inc.start), 0) : max(minute_index(inc.end), 0)] = True
    return out


def span_mask(start: str, minutes: int, n: int = MINUTES) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    i = minute_index(start)
    out[i : i + minutes] = True
    return out


def api_restarts(n: int = MINUTES) -> np.ndarray:
    """Minutes at which the API process (re)starts with fresh counters:
    weekly deploys (Tuesday 15:00 UTC), the end of each outage, the memory-leak fix."""
    days = pd.date_range(START, END, freq="D", inclusive="left")
    idx = [minute_index(d + pd.Timedelta(hours=15)) for d in days if d.day_of_week == 1]
    idx += [minute_index(i.end) for i in INCIDENTS if i.kind in ("outage", "memory_pressure")]
    out = np.zeros(n, dtype=bool)
    out[[i for i in idx if 0 < i < n]] = True
    return out
