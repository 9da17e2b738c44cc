"""What to query: the metric catalog (names -> PromQL, units, bounds) and safe PromQL building."""
