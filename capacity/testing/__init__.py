"""Helpers for tests and benchmarks: OpenMetrics backfill and real servers on loopback."""
