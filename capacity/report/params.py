"""A notebook's parameters: read the ``parameters``-tagged cell, check what a user gives.

The parameters cell is plain Python made of simple assignments of literals::

    quarter = "2026Q3"        # the quarter to review
    horizon_days: int = 90
    slo: str | None = None    # one SLO name, or None for all

The declared type is the annotation when there is one, else the type of the
default (``int`` accepts no ``bool``; ``float`` accepts an ``int``). A default
of ``None`` without an annotation accepts a string or ``None``.

Values given on the command line are strings (``-p horizon_days=30``) and are
converted to the declared type; values given from Python are checked as they
are. Anything unknown or ill-typed raises :class:`ParameterError` naming the
notebook and the parameter, before any cell runs.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from ..core.errors import ParameterError

__all__ = ["NotebookParameter", "read_parameters", "parse_assignments", "check_parameters"]

_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class NotebookParameter:
    """One declared parameter: its name, default, accepted types and comment."""

    name: str
    default: Any
    types: tuple[str, ...]  # names from _TYPES, plus "None" when None is accepted
    help: str = ""

    @property
    def type_label(self) -> str:
        return " | ".join(self.types)


def _annotation_types(node: ast.expr, notebook: str, name: str) -> tuple[str, ...]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _annotation_types(node.left, notebook, name) + _annotation_types(node.right, notebook, name)
    if isinstance(node, ast.Constant) and node.value is None:
        return ("None",)
    if isinstance(node, ast.Subscript):  # list[str], dict[str, float]: the container counts
        node = node.value
    if isinstance(node, ast.Name) and (node.id in _TYPES or node.id == "None"):
        return (node.id,)
    raise ParameterError(
        f"{notebook}: parameter {name!r} has an annotation this checker cannot read "
        f"(use str, int, float, bool, list, dict, None joined by |)",
        notebook=notebook,
        parameter=name,
    )


def _default_types(value: Any) -> tuple[str, ...]:
    if value is None:
        return ("str", "None")
    for label in ("bool", "int", "float", "str", "list", "dict"):
        if type(value) is _TYPES[label]:
            return (label,)
    return (type(value).__name__,)


def _comments(source: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for lineno, line in enumerate(source.splitlines(), start=1):
        if "#" in line:
            out[lineno] = line.split("#", 1)[1].strip()
    return out


def parse_assignments(source: str, *, notebook: str = "notebook") -> dict[str, NotebookParameter]:
    """Parse the text of a parameters cell into ``{name: NotebookParameter}``."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(
            f"{notebook}: the parameters cell is not valid Python (line {exc.lineno}: {exc.msg})", notebook=notebook
        ) from exc
    notes = _comments(source)
    params: dict[str, NotebookParameter] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value_node, ann = stmt.targets[0].id, stmt.value, None
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            name, value_node, ann = stmt.target.id, stmt.value, stmt.annotation
        else:
            raise ParameterError(
                f"{notebook}: the parameters cell may hold only 'name = literal' lines "
                f"(line {getattr(stmt, 'lineno', '?')})",
                notebook=notebook,
            )
        try:
            default = ast.literal_eval(value_node)
        except ValueError as exc:
            raise ParameterError(
                f"{notebook}: parameter {name!r} must default to a literal", notebook=notebook, parameter=name
            ) from exc
        types = _annotation_types(ann, notebook, name) if ann is not None else _default_types(default)
        params[name] = NotebookParameter(name, default, types, notes.get(stmt.lineno, ""))
    return params


def _load(nb: nbformat.NotebookNode | str | Path) -> tuple[Any, str]:
    if isinstance(nb, (str, Path)):
        path = Path(nb)
        try:
            return nbformat.read(path, as_version=4), path.stem
        except FileNotFoundError as exc:
            raise ParameterError(f"{path}: no such notebook", notebook=str(path)) from exc
        except Exception as exc:  # nbformat raises several unrelated types for a bad file
            raise ParameterError(f"{path}: not a readable notebook ({exc})", notebook=str(path)) from exc
    return nb, str(nb.get("metadata", {}).get("name", "notebook"))


def read_parameters(nb: nbformat.NotebookNode | str | Path) -> dict[str, NotebookParameter]:
    """The declared parameters of a notebook (a path or a loaded notebook).

    A notebook without a ``parameters``-tagged cell declares none.
    """
    node, name = _load(nb)
    for cell in node.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return parse_assignments(cell.source, notebook=name)
    return {}


def _convert_text(text: str, p: NotebookParameter, notebook: str) -> Any:
    """Convert a command-line string to the first declared type that reads it
    (``none``/``null`` is None when None is accepted)."""
    if "None" in p.types and text.strip().lower() in {"none", "null"}:
        return None
    for label in p.types:
        if label == "bool":
            low = text.strip().lower()
            if low in _TRUE | _FALSE:
                return low in _TRUE
        elif label == "int":
            try:
                return int(text.strip())
            except ValueError:
                pass
        elif label == "float":
            try:
                return float(text.strip())
            except ValueError:
                pass
        elif label in {"list", "dict"}:
            try:
                value = json.loads(text)
            except ValueError:
                value = None
            if type(value) is _TYPES[label]:
                return value
        elif label == "str":
            return text
    raise ParameterError(
        f"{notebook}: parameter {p.name!r} expects {p.type_label}, cannot read {text!r} as that",
        notebook=notebook,
        parameter=p.name,
    )


def _check_value(value: Any, p: NotebookParameter, notebook: str) -> Any:
    for label in p.types:
        if label == "None" and value is None:
            return None
        if label == "float" and type(value) is int:
            return float(value)
        if label in _TYPES and type(value) is _TYPES[label]:
            return value
    raise ParameterError(
        f"{notebook}: parameter {p.name!r} expects {p.type_label}, got {type(value).__name__} {value!r}",
        notebook=notebook,
        parameter=p.name,
    )


def check_parameters(
    declared: Mapping[str, NotebookParameter],
    given: Mapping[str, Any],
    *,
    notebook: str,
    from_text: Iterable[str] = (),
) -> dict[str, Any]:
    """Validate ``given`` against ``declared``; return the converted values.

    Names listed in ``from_text`` hold command-line strings to convert; the
    others must already have a declared type.
    """
    text_names = set(from_text)
    out: dict[str, Any] = {}
    for name, value in given.items():
        p = declared.get(name)
        if p is None:
            known = ", ".join(sorted(declared)) or "none"
            raise ParameterError(
                f"{notebook}: unknown parameter {name!r} (known: {known})", notebook=notebook, parameter=name
            )
        if name in text_names and isinstance(value, str):
            out[name] = _convert_text(value, p, notebook)
        else:
            out[name] = _check_value(value, p, notebook)
    return out


def parse_cli_pairs(pairs: Iterable[str], *, notebook: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; a pair without ``=`` is an error."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"{notebook}: parameter {pair!r} is not key=value", notebook=notebook, parameter=pair)
        out[name.strip()] = value
    return out
