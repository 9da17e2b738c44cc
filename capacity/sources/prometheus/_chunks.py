"""Step-grid arithmetic for range queries: points, covered intervals, pieces.

All times are int64 nanoseconds since the epoch. A *grid* is the points
``start + k*step`` for ``k = 0 .. n-1`` (the last one ``<= end``). Intervals
are closed ``(first_point, last_point)`` pairs on one grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

Interval = tuple[int, int]


@dataclass(frozen=True)
class Grid:
    start: int
    step: int
    n: int

    @property
    def last(self) -> int:
        return self.start + (self.n - 1) * self.step

    @property
    def phase(self) -> int:
        """Where the grid sits inside one step (grids of one phase share points)."""
        return self.start % self.step

    def index_range(self, interval: Interval) -> tuple[int, int] | None:
        """Grid indexes ``(i0, i1)`` inside ``interval``, clipped to the grid; None when empty."""
        a, b = interval
        i0 = max(0, -((self.start - a) // self.step))  # ceil((a - start) / step)
        i1 = min(self.n - 1, (b - self.start) // self.step)
        return (i0, i1) if i0 <= i1 else None

    def interval(self, i0: int, i1: int) -> Interval:
        return (self.start + i0 * self.step, self.start + i1 * self.step)


def make_grid(start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta) -> Grid:
    s, e, st = int(start.value), int(end.value), int(step.value)
    if st <= 0:
        raise ValueError("step must be positive")
    n = (e - s) // st + 1 if e >= s else 0
    return Grid(s, st, n)


def merge(intervals: list[Interval], step: int) -> list[Interval]:
    """Union of closed intervals on one grid; intervals one step apart are joined."""
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + step:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def missing(grid: Grid, covered: list[Interval]) -> list[tuple[int, int]]:
    """Runs of grid indexes ``(i0, i1)`` not inside any covered interval."""
    if grid.n == 0:
        return []
    runs: list[tuple[int, int]] = []
    pos = 0
    for iv in merge(covered, grid.step):
        got = grid.index_range(iv)
        if got is None:
            continue
        i0, i1 = got
        if i0 > pos:
            runs.append((pos, i0 - 1))
        pos = max(pos, i1 + 1)
    if pos <= grid.n - 1:
        runs.append((pos, grid.n - 1))
    return runs


def pieces(runs: list[tuple[int, int]], max_points: int) -> list[tuple[int, int]]:
    """Split index runs so that no piece holds more than ``max_points`` points."""
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    out = []
    for i0, i1 in runs:
        k = i0
        while k <= i1:
            top = min(i1, k + max_points - 1)
            out.append((k, top))
            k = top + 1
    return out
