"""Bad parameter values are refused before a kernel starts, naming the parameter."""

from __future__ import annotations

import pytest

from capacity.core.errors import ParameterError
from capacity.report.checks import check_values
from capacity.report.rendering import render


@pytest.mark.parametrize(
    "name,value",
    [
        ("quarter", "2026Q9"),
        ("window", "2026-13"),
        ("source", "no-such-file.csv"),
        ("tz", "Mars/Olympus"),
        ("step", "0s"),
        ("every", "often"),
        ("end", "yesterday-ish"),
        ("horizon_days", 0),
        ("days", -3),
    ],
)
def test_bad_values_name_the_parameter(name, value):
    with pytest.raises(ParameterError) as info:
        check_values({name: value}, notebook="nb")
    assert info.value.parameter == name
    assert f"parameter {name}=" in str(info.value)


@pytest.mark.parametrize(
    "name,value",
    [
        ("quarter", "latest"),
        ("quarter", "2026Q3"),
        ("window", "30d"),
        ("window", "2026-09"),
        ("window", "2026Q3"),
        ("source", "sample"),
        ("source", "http://127.0.0.1:9"),
        ("tz", "Europe/Paris"),
        ("step", "1h"),
        ("end", None),
        ("end", "2026-09-30"),
        ("horizon_days", 90),
        ("heatmap_metric", "anything: not checked here"),
    ],
)
def test_good_values_pass(name, value):
    check_values({name: value}, notebook="nb")


def test_render_refuses_before_writing_anything(tmp_path):
    keep = tmp_path / "quarterly_review.html"
    keep.write_text("previous report")
    with pytest.raises(ParameterError, match="quarter"):
        render("quarterly_review", {"quarter": "2026Q9"}, out_dir=tmp_path)
    assert keep.read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quarterly_review.html"]


def test_failing_cell_is_named_by_its_first_telling_line():
    from capacity.report.rendering import _first_line

    assert (
        _first_line("import re\nfrom x import y\n\n# pull\nframe = capacity.pull('x')\n")
        == "frame = capacity.pull('x')"
    )
    assert _first_line("import re\n") == "import re"
    assert _first_line("\n\n") == ""
