"""Helpers for tests and benchmarks: OpenMetrics backfill, real servers on loopback, and a
transport that injects faults in front of the production one (:mod:`capacity.testing.faults`)."""
