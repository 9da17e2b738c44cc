"""Any server speaking Prometheus' HTTP API: chunked, concurrent, retried, authenticated, cached."""
from .source import PrometheusSource

__all__ = ["PrometheusSource"]
