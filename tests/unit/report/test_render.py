"""render() executes real notebooks with papermill on this interpreter's kernel."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from capacity.cli import main
from capacity.core.errors import NotebookExecutionError, ParameterError, ReportError
from capacity.report import render


def _notebook(directory: Path, name: str, *cells: str, params: str = "n: int = 3\nlabel = 'x'\nfail = False") -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Report {name}"), p] + [nbformat.v4.new_code_cell(c) for c in cells]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


CHART = (
    "import plotly.graph_objects as go\n"
    "from capacity.report import show\n"
    "show(go.Figure(go.Scatter(x=list(range(n)), y=list(range(n))), layout_title_text='chart'))\n"
    "show(go.Figure(go.Bar(x=[1, 2], y=[3, 4]), layout_title_text='bars'))\n"
    "print(label * n)"
)


@pytest.fixture()
def nbdir(tmp_path):
    d = tmp_path / "notebooks"
    _notebook(d, "tiny", CHART, "assert not fail, 'asked to fail'")
    return d


def test_render_writes_notebook_and_offline_html_with_inputs_hidden(nbdir, tmp_path):
    out = tmp_path / "reports"
    result = render("tiny", {"n": "4", "label": "ab"}, text_parameters=["n", "label"], out_dir=out, notebooks=nbdir)
    assert result.notebook == out / "tiny.ipynb" and result.html == out / "tiny.html"
    assert result.parameters == {"n": 4, "label": "ab"}
    executed = nbformat.read(result.notebook, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "n = 4" in injected[0].source
    streams = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "abababab" in streams  # label * n ran with the converted int
    page = result.html.read_text()
    assert "abababab" in page
    assert "import plotly" not in page and "assert not fail" not in page  # inputs hidden
    assert page.count("Plotly.newPlot(") == 2  # one call per figure ...
    assert len(re.findall(r"<script[^>]*>", page)) == 1 + 2  # ... and plotly.js itself embedded once
    assert not re.search(r"<script[^>]+src=", page) and not re.search(r"<link[^>]+href=\"?https?:", page)
    assert sorted(p.name for p in out.iterdir()) == ["tiny.html", "tiny.ipynb"]  # no temp files left


def test_failing_cell_names_notebook_cell_and_error_and_keeps_the_last_good_report(nbdir, tmp_path):
    out = tmp_path / "reports"
    render("tiny", out_dir=out, notebooks=nbdir, html=False)
    good = (out / "tiny.ipynb").read_bytes()
    with pytest.raises(NotebookExecutionError) as info:
        render("tiny", {"fail": True}, out_dir=out, notebooks=nbdir)
    err = info.value
    assert err.notebook == "tiny" and err.cell == 3  # 0-based in the source notebook: md, params, chart, assert
    assert "AssertionError: asked to fail" in str(err) and "tiny" in str(err) and "cell 3" in str(err)
    partial = Path(err.output)
    assert partial == out / "tiny.partial.ipynb"
    executed = nbformat.read(partial, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "AssertionError"
    assert (out / "tiny.ipynb").read_bytes() == good
    assert not (out / "tiny.html").exists()


def test_bad_parameters_are_refused_before_any_cell_runs(tmp_path):
    d = tmp_path / "notebooks"
    marker = tmp_path / "ran"
    _notebook(d, "touch", f"open({str(marker)!r}, 'w').close()")
    for bad, name in (({"nope": 1}, "nope"), ({"n": "many"}, "n")):
        with pytest.raises(ParameterError) as info:
            render("touch", bad, text_parameters=list(bad), out_dir=tmp_path / "r", notebooks=d)
        assert info.value.parameter == name
    assert not marker.exists()


def test_unknown_notebook_lists_the_available_ones(nbdir, tmp_path):
    with pytest.raises(ReportError) as info:
        render("nosuch", out_dir=tmp_path, notebooks=nbdir)
    assert "tiny" in str(info.value)
    with pytest.raises(ReportError):
        render("../tiny", out_dir=tmp_path, notebooks=nbdir)


def test_cli_report_renders_and_reports_errors_in_one_line(nbdir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAPACITY_NOTEBOOKS", str(nbdir))
    out = tmp_path / "r"
    assert main(["report", "tiny", "-p", "n=2", "--out-dir", str(out), "--no-html"]) == 0
    assert (out / "tiny.ipynb").exists() and not (out / "tiny.html").exists()
    assert main(["report", "tiny", "-p", "n=two", "--out-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert "parameter 'n' expects int" in err and "Traceback" not in err
    assert main(["report", "tiny", "-p", "fail=true", "--out-dir", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cell 3" in err[0] and "asked to fail" in err[0]
    assert main(["report", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "tiny" in listing and "n: int = 3" in listing


def test_a_url_with_credentials_is_refused_before_anything_is_written(tmp_path):
    d = tmp_path / "notebooks"
    _notebook(d, "src", "print(source)", params="source = 'sample'")
    out = tmp_path / "r"
    for url in ("http://user:hunter2-pw@127.0.0.1:9090", "http://127.0.0.1:9090/?token=hunter2-pw"):
        with pytest.raises(ParameterError) as info:
            render("src", {"source": url}, out_dir=out, notebooks=d)
        assert info.value.parameter == "source" and "hunter2-pw" not in str(info.value)
    assert not out.exists() or not any(out.iterdir())


def test_html_footer_names_notebook_and_parameters_escaped(nbdir, tmp_path):
    result = render("tiny", {"label": "<i>x</i>"}, out_dir=tmp_path, notebooks=nbdir)
    footer = result.html.read_text().split("<footer>", 1)[1].split("</footer>", 1)[0]
    assert "from notebooks/tiny.ipynb" in footer and "label=&#x27;&lt;i&gt;x&lt;/i&gt;&#x27;" in footer


def test_the_kernels_own_stderr_is_shown_only_with_debug(tmp_path):
    """The kernel process's stderr (ipykernel's shutdown noise: a ZMQ traceback after a failed cell) is
    not the user's: discarded, unless --debug asks for everything (a dying kernel's last words)."""
    import os
    import subprocess
    import sys

    d = tmp_path / "notebooks"
    _notebook(d, "noisy", "import sys\nsys.__stderr__.write('KERNEL-OWN-STDERR\\n')\nsys.__stderr__.flush()")
    env = {**os.environ, "CAPACITY_NOTEBOOKS": str(d)}
    argv = [sys.executable, "-m", "capacity", "report", "noisy", "--out-dir", str(tmp_path / "r"), "--no-html"]
    quiet = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and "KERNEL-OWN-STDERR" not in quiet.stderr, quiet.stderr
    loud = subprocess.run([*argv, "--debug"], env=env, capture_output=True, text=True, timeout=120)
    assert loud.returncode == 0 and "KERNEL-OWN-STDERR" in loud.stderr, loud.stderr
