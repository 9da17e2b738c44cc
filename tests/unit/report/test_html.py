"""HTML export details and atomic writes."""

from __future__ import annotations

import os

import nbformat
import pytest

from capacity.core.files import write_atomic
from capacity.report.html import export_html


def _executed():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print('hi')")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="visible-stdout\n"),
        nbformat.v4.new_output("stream", name="stderr", text="noisy-warning\n"),
    ]
    removed = nbformat.v4.new_code_cell("secret_cell()")
    removed.metadata["tags"] = ["remove"]
    removed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="removed-output\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), code, removed]
    return nb


def test_export_drops_stderr_and_removed_cells_and_escapes_the_title():
    page = export_html(_executed(), title="<script>x</script> & co")
    assert "visible-stdout" in page
    assert "noisy-warning" not in page and "removed-output" not in page and "secret_cell" not in page
    assert "<title>&lt;script&gt;x&lt;/script&gt; &amp; co</title>" in page
    assert "Plotly" not in page  # no figure: plotly.js is not embedded at all


def test_write_atomic_replaces_whole_files_and_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "sub" / "r.html"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_text() == "two"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())

    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # type: ignore[arg-type]
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["r.html"]


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m
