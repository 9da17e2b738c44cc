"""Runs the hostile corpus: two loopback servers for the session, and every case started at most
three at a time in the background as soon as the first corpus test asks for its result (a case
takes a second or two of start-up; run one after the other they would take minutes)."""

from __future__ import annotations

import concurrent.futures as cf
import subprocess
from collections.abc import Iterator

import pytest

from .cases import CASES
from .harness import Case, Run, run_case
from .loopback import Loopback

WORKERS = 3
#: the running corpus (cases' checks look at what the loopback servers received)
CORPUS: Corpus


class Corpus:
    def __init__(self, srv: Loopback, other: Loopback, root) -> None:
        self.srv, self.other, self.root = srv, other, root
        self.pool = cf.ThreadPoolExecutor(WORKERS, thread_name_prefix="hostile")
        self.futures: dict[str, cf.Future[Run]] = {}

    def start(self, cases: list[Case]) -> None:
        for case in cases:
            if case.id not in self.futures:
                folder = self.root / case.id
                self.futures[case.id] = self.pool.submit(run_case, case, folder, self.srv.url, self.other.url)

    def result(self, case: Case) -> Run:
        self.start([case])
        return self.futures[case.id].result()

    def other_log(self, case: Case) -> list[str]:
        return [s.text() for s in self.other.requests_of(case.id)]


def _selected(session: pytest.Session) -> list[Case]:
    """The cases of the tests this session runs (``-k`` may select a few)."""
    by_id = {c.id: c for c in CASES}
    params = [getattr(item, "callspec", _No).params.get("case") for item in session.items]
    ids = [p.id for p in params if isinstance(p, Case)]  # (other tests have a "case" parameter too)
    return [by_id[i] for i in ids if i in by_id]


class _No:
    params: dict = {}


@pytest.fixture(scope="session")
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    srv, other = Loopback.start(), Loopback.start()
    srv.other = other.url
    other.other = srv.url
    c = Corpus(srv, other, tmp_path_factory.mktemp("hostile"))
    global CORPUS
    CORPUS = c
    c.start(_selected(request.session))
    try:
        yield c
    finally:
        for f in c.futures.values():
            f.cancel()
        c.pool.shutdown(wait=True, cancel_futures=True)
        # a case that failed before its check made its immutable file mutable again would keep pytest
        # from removing the folder
        subprocess.run(["chattr", "-R", "-i", str(c.root)], capture_output=True, check=False)
        srv.stop()
        other.stop()
