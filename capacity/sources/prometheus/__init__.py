"""Any server speaking Prometheus' HTTP API: chunked, concurrent, retried, authenticated, cached."""

from ..registry import register
from .source import PrometheusSource

__all__ = ["PrometheusSource"]

register(PrometheusSource, kind="server", schemes=("http", "https"))
