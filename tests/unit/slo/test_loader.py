"""One load() for every spec format, from a file or from YAML text."""

import pytest

from capacity.core.errors import SpecError
from capacity.slo import load, load_spec
from capacity.slo import sli as sli_module
from capacity.slo.load_v1 import _SLI_READERS
from capacity.slo.loader import LOADERS
from capacity.slo.model import SLI_KINDS

V1 = """\
apiVersion: capacity/v1
slos:
  - name: errors
    objective: 0.99
    sli: {kind: ratio, bad: 'http_requests_total{code=~"5.."}', total: http_requests_total}
"""

OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  indicator:
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


@pytest.mark.parametrize("text, name", [(V1, "errors"), (OPENSLO, "availability")])
def test_load_reads_text_and_files_alike(tmp_path, text, name):
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    from_text, from_file = load(text), load(p)
    assert from_text.slos == from_file.slos == load_spec(str(p)).slos
    assert from_text.slos[0].name == name and from_text.slos[0].sli.bad.counter
    assert (from_text.source, from_file.source) == ("<spec>", str(p))


def test_errors_in_text_name_the_text():
    with pytest.raises(SpecError) as info:
        load(V1.replace("0.99", "1.5"))
    assert str(info.value).startswith("<spec>: SLO 'errors': objective: ")


def test_one_loader_per_format():
    assert set(LOADERS) == {"capacity/v1", "openslo"}


def test_every_sli_kind_has_a_reader_and_an_events_function():
    assert tuple(_SLI_READERS) == SLI_KINDS == tuple(sli_module.KINDS)
