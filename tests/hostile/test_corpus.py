"""The hostile corpus (``tests/hostile/cases``) run against the CLI: see ``harness`` for what each case asserts."""

from __future__ import annotations

import pytest

from .cases import CASES
from .harness import Case, verify


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile(case: Case, corpus) -> None:
    run = corpus.result(case)
    verify(run, corpus.other_log(case))


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 120, len(CASES)
