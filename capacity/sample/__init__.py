"""The bundled history: a deterministic generator of the runbook's platform, its incidents,
an on-disk store, and an evaluator of the catalog's PromQL over it (source "sample")."""
from .source import SampleSource

__all__ = ["SampleSource"]
