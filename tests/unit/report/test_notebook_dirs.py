"""Where ``capacity report`` finds its notebooks, and saying so when it finds none."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from capacity.cli import main
from capacity.report.rendering import available, notebook_dirs, notebooks_dir

render_module = importlib.import_module("capacity.report.rendering")
REPO_NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"


def _nb(directory: Path, name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')


def test_a_checkout_reads_the_repository_notebooks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CAPACITY_NOTEBOOKS", raising=False)
    monkeypatch.setattr(render_module, "PACKAGED_NOTEBOOKS", tmp_path / "not-built")
    assert notebooks_dir() == REPO_NOTEBOOKS
    assert "quarterly_review" in available()


def test_the_packaged_copy_comes_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CAPACITY_NOTEBOOKS", raising=False)
    _nb(tmp_path / "pkg", "packaged")
    monkeypatch.setattr(render_module, "PACKAGED_NOTEBOOKS", tmp_path / "pkg")
    assert notebooks_dir() == tmp_path / "pkg" and available() == ["packaged"]


def test_the_variable_wins_and_is_the_only_place_looked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAPACITY_NOTEBOOKS", str(tmp_path / "mine"))
    assert notebook_dirs() == [tmp_path / "mine"]
    assert available() == []


def test_list_without_notebooks_is_an_error_naming_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAPACITY_NOTEBOOKS", str(tmp_path / "empty"))
    assert main(["report", "--list"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "empty") in lines[0] and "no notebooks" in lines[0]
