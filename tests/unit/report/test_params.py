"""The parameters cell is read as declared, and user values are checked against it."""

from __future__ import annotations

import nbformat
import pytest

from capacity.core.errors import ParameterError
from capacity.report.params import check_parameters, parse_assignments, parse_cli_pairs, read_parameters

CELL = """
quarter = "latest"  # the quarter
horizon_days: int = 90
ratio = 0.5
flag = False
metrics = ["a", "b"]
slo: str | None = None
maybe = None
"""


@pytest.fixture()
def declared():
    return parse_assignments(CELL, notebook="nb")


def test_declared_types_come_from_annotation_or_default(declared):
    assert {n: p.types for n, p in declared.items()} == {
        "quarter": ("str",),
        "horizon_days": ("int",),
        "ratio": ("float",),
        "flag": ("bool",),
        "metrics": ("list",),
        "slo": ("str", "None"),
        "maybe": ("str", "None"),
    }
    assert declared["quarter"].help == "the quarter"
    assert declared["metrics"].default == ["a", "b"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("horizon_days", "30", 30),
        ("ratio", "2", 2.0),
        ("ratio", "0.25", 0.25),
        ("flag", "yes", True),
        ("flag", "False", False),
        ("metrics", '["x"]', ["x"]),
        ("slo", "none", None),
        ("slo", "error-rate", "error-rate"),
        ("quarter", "2026Q3", "2026Q3"),
    ],
)
def test_command_line_strings_convert_to_the_declared_type(declared, name, text, expected):
    got = check_parameters(declared, {name: text}, notebook="nb", from_text=[name])[name]
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("horizon_days", "ninety"),
        ("horizon_days", "1.5"),
        ("ratio", "half"),
        ("flag", "maybe"),
        ("metrics", "a,b"),
        ("metrics", '{"a": 1}'),
    ],
)
def test_ill_typed_command_line_value_names_the_parameter(declared, name, text):
    with pytest.raises(ParameterError) as info:
        check_parameters(declared, {name: text}, notebook="nb", from_text=[name])
    assert info.value.parameter == name and info.value.notebook == "nb"
    assert repr(name) in str(info.value) and repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("horizon_days", True),
        ("horizon_days", 1.5),
        ("horizon_days", "30"),
        ("flag", 1),
        ("quarter", 3),
        ("metrics", ("a",)),
    ],
)
def test_ill_typed_python_value_names_the_parameter(declared, name, value):
    with pytest.raises(ParameterError) as info:
        check_parameters(declared, {name: value}, notebook="nb")
    assert info.value.parameter == name


def test_int_is_accepted_for_float_and_none_for_optional(declared):
    got = check_parameters(declared, {"ratio": 2, "slo": None}, notebook="nb")
    assert got == {"ratio": 2.0, "slo": None} and type(got["ratio"]) is float


def test_unknown_parameter_is_named_with_the_known_ones(declared):
    with pytest.raises(ParameterError) as info:
        check_parameters(declared, {"horizon": "30"}, notebook="nb", from_text=["horizon"])
    assert info.value.parameter == "horizon"
    assert "'horizon'" in str(info.value) and "horizon_days" in str(info.value)


@pytest.mark.parametrize("source", ["x = 1 +", "x = f()", "import os", "x, y = 1, 2", "x: Foo = 1"])
def test_a_parameters_cell_that_is_not_plain_literals_is_refused(source):
    with pytest.raises(ParameterError):
        parse_assignments(source, notebook="nb")


def test_read_parameters_finds_the_tagged_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    tagged = nbformat.v4.new_code_cell("n = 3")
    tagged.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell("m = 1"), tagged]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert list(read_parameters(path)) == ["n"]


def test_cli_pairs():
    assert parse_cli_pairs(["a=1", "b=x=y", "c="], notebook="nb") == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(ParameterError) as info:
        parse_cli_pairs(["novalue"], notebook="nb")
    assert info.value.parameter == "novalue"


def test_shipped_notebooks_declare_readable_parameters():
    from capacity.report.rendering import available, find_notebook

    names = available()
    assert "quarterly_review" in names
    for name in names:
        declared = read_parameters(find_notebook(name))
        assert declared, f"{name} has no parameters cell"
        if name != "explore":
            assert "source" in declared, f"{name} has no 'source' parameter"
