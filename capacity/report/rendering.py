"""Execute a parameterized notebook with papermill and export it.

``render("quarterly_review", {"quarter": "2026Q3"})`` checks the parameters
against the notebook's ``parameters`` cell, executes the notebook on a kernel
running *this* interpreter (so it works in a fresh virtualenv whatever
kernels Jupyter knows), and writes ``reports/quarterly_review.ipynb`` and
``reports/quarterly_review.html`` atomically. A failing cell raises
:class:`NotebookExecutionError` naming the notebook, the cell and the error;
the partially executed notebook is left at ``reports/<stem>.partial.ipynb``
and the previous good report is untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, default
from traitlets.config import Config

from ..core.errors import ConfigError, NotebookExecutionError, ParameterError, ReportError
from ..core.files import new_file_mode, write_atomic
from .checks import check_values
from .html import export_html
from .params import check_parameters, read_parameters

__all__ = ["RenderResult", "notebook_dirs", "notebooks_dir", "available", "find_notebook", "render"]

#: kernel name recorded in executed notebooks; the kernel itself is always sys.executable
KERNEL_NAME = "python3"


class ThisInterpreterKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is ipykernel on the running interpreter.

    The kernel talks over local IPC sockets (no TCP port, not even loopback). What its cells print
    goes to the notebook; the kernel process's own stderr (its machinery's logs: the traceback of a
    ZMQ socket closed under it at shutdown, after a cell failed) is discarded unless ``own_stderr``
    (``capacity --debug report``), which also shows a dying kernel's last words.
    """

    own_stderr = Bool(False, help="let the kernel process's own stderr through to this process's").tag(config=True)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if not self.own_stderr:
            kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    def _ip_default(self) -> str:
        # jupyter_client's default is ./kernel-ipc-N: renders running at once in one working
        # directory raced for the same sockets (and left them there). One private directory per kernel.
        return os.path.join(tempfile.mkdtemp(prefix="capacity-kernel-"), "ipc")

    def cleanup_ipc_files(self) -> None:
        super().cleanup_ipc_files()
        if self.transport == "ipc" and os.path.basename(os.path.dirname(self.ip)).startswith("capacity-kernel-"):
            try:
                os.rmdir(os.path.dirname(self.ip))
            except OSError:
                pass

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            # log level CRITICAL: the kernel logged "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel."
            # when jupyter_client interrupted it at shutdown (about one render in three, after a successful
            # run); errors in cells reach the notebook and papermill, and a crash still prints its traceback
            argv=[
                sys.executable,
                "-Xfrozen_modules=off",
                "-m",
                "ipykernel_launcher",
                "--IPKernelApp.log_level=CRITICAL",
                "-f",
                "{connection_file}",
            ],
            display_name=f"Python {sys.version_info[0]}.{sys.version_info[1]} (capacity)",
            language="python",
            metadata={},
            env={"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        )


@dataclass(frozen=True)
class RenderResult:
    """Where a rendered report went and with which parameters."""

    name: str
    notebook: Path
    html: Path | None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: the PDF printed from the HTML (``pdf=True``), else None
    pdf: Path | None = None


#: where an installed package keeps its notebooks (copied from the repository's notebooks/ by setup.py)
PACKAGED_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


def notebook_dirs() -> list[Path]:
    """Where notebooks are looked for, in order: ``$CAPACITY_NOTEBOOKS`` alone when set; else the
    installed package's copy, the repository's ``notebooks/`` (editable installs, checkouts),
    then ``./notebooks``."""
    env = os.environ.get("CAPACITY_NOTEBOOKS", "").strip()
    if env:
        return [Path(env).expanduser()]
    repo = Path(__file__).resolve().parents[2] / "notebooks"
    return [PACKAGED_NOTEBOOKS, repo, Path.cwd() / "notebooks"]


def notebooks_dir() -> Path:
    """The first of :func:`notebook_dirs` holding a notebook (else the first one)."""
    dirs = notebook_dirs()
    return next((d for d in dirs if d.is_dir() and any(d.glob("*.ipynb"))), dirs[0])


def available(directory: Path | None = None) -> list[str]:
    """Names of the notebooks that can be rendered."""
    d = directory or notebooks_dir()
    return sorted(p.stem for p in d.glob("*.ipynb")) if d.is_dir() else []


def find_notebook(name: str | os.PathLike[str], directory: Path | None = None) -> Path:
    """A notebook path from a name (``quarterly_review``) or a path to an ``.ipynb``."""
    text = os.fspath(name)
    if text.endswith(".ipynb"):
        path = Path(text)
    else:
        if not text or "/" in text or "\\" in text or text.startswith("."):
            raise ReportError(f"report: {text!r} is not a notebook name", notebook=text)
        path = (directory or notebooks_dir()) / f"{text}.ipynb"
    if not path.is_file():
        known = ", ".join(available(directory if not text.endswith(".ipynb") else path.parent)) or "none"
        raise ReportError(f"report: no notebook {path} (available: {known})", notebook=text)
    return path


def _first_line(source: str) -> str:
    """The cell's first line that says what it does: imports and comments are skipped
    when anything else follows them."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    telling = [ln for ln in lines if not ln.startswith(("import ", "from ", "#"))]
    return (telling or lines or [""])[0][:80]


def _source_index(partial: Path, executed_index: int | None) -> int | None:
    """Map a cell index of the executed notebook back to the source notebook
    (papermill inserts an ``injected-parameters`` cell)."""
    if executed_index is None:
        return None
    try:
        cells = nbformat.read(partial, as_version=4).cells
    except Exception:  # the partial notebook is best effort
        return executed_index
    injected = sum(1 for c in cells[:executed_index] if "injected-parameters" in c.get("metadata", {}).get("tags", []))
    return executed_index - injected


def _execution_error(exc: Exception, source_nb: Path, partial: Path) -> NotebookExecutionError:
    nb_name = source_nb.stem
    cell = _source_index(partial, getattr(exc, "cell_index", None))
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    if ename == "DeadKernelError":  # its last words went to its own stderr, discarded unless asked for
        evalue += " (its own output is shown by capacity --debug report, or render(..., kernel_stderr=True))"
    source = getattr(exc, "source", "")
    where = f"cell {cell} (0-based, of {source_nb})" if cell is not None else "a cell"
    first = _first_line(source)
    code = f" ({first!r})" if first else ""
    return NotebookExecutionError(
        f"{nb_name}: {where}{code} failed: {ename}: {evalue}; partial output in {partial}",
        notebook=nb_name,
        cell=cell,
        error=f"{ename}: {evalue}",
        output=str(partial),
    )


def render(
    name: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    *,
    text_parameters: Iterable[str] = (),
    out_dir: str | os.PathLike[str] = "reports",
    stem: str | None = None,
    html: bool = True,
    timeout: float | None = None,
    notebooks: Path | None = None,
    pdf: bool = False,
    kernel_stderr: bool = False,
) -> RenderResult:
    """Execute notebook ``name`` with ``parameters`` into ``out_dir``; export HTML.

    ``text_parameters`` names the parameters given as command-line strings,
    converted to the declared type (``"30"`` -> ``30``). ``timeout`` bounds each
    cell in seconds (None: no bound). ``pdf``: also print the HTML to ``NAME.pdf`` beside it
    (:func:`capacity.report.pdf.write_pdf`, headless Chromium). ``kernel_stderr``: let the kernel
    process's own stderr through (discarded by default: see :class:`ThisInterpreterKernelManager`).
    """
    if pdf and not html:
        raise ParameterError("report: a PDF is printed from the HTML; drop --no-html", notebook=str(name))
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    path = find_notebook(name, notebooks)
    nb_name = path.stem
    declared = read_parameters(path)
    values = check_parameters(declared, dict(parameters or {}), notebook=nb_name, from_text=text_parameters)
    _refuse_secrets_in_urls(values, nb_name)
    check_values(values, notebook=nb_name)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out-dir {out}: is a file, not a folder", field="out-dir", file=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"--out-dir {out}: cannot create it ({exc.strerror or exc})", field="out-dir", file=str(out)
        ) from None
    base = stem or nb_name
    if "/" in base or base.startswith("."):
        raise ParameterError(f"report: output name {base!r} is not a plain file name", notebook=nb_name)
    final_nb, final_html, partial = out / f"{base}.ipynb", out / f"{base}.html", out / f"{base}.partial.ipynb"
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{base}.", suffix=".ipynb", dir=out)
    except OSError as exc:
        raise ConfigError(
            f"--out-dir {out}: cannot write in it ({exc.strerror or exc})", field="out-dir", file=str(out)
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, new_file_mode())
    t0 = time.perf_counter()
    try:
        try:
            pm.execute_notebook(
                str(path),
                str(tmp),
                parameters=values,
                kernel_name=KERNEL_NAME,
                language="python",
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
                kernel_manager_class=ThisInterpreterKernelManager,
                config=Config({"ThisInterpreterKernelManager": {"own_stderr": kernel_stderr}}),
            )
        except PapermillExecutionError as exc:
            os.replace(tmp, partial)
            raise _execution_error(exc, path, partial) from None
        except Exception as exc:  # kernel died, timeout, ...: still leave what ran
            if tmp.exists() and tmp.stat().st_size:
                os.replace(tmp, partial)
            raise _execution_error(exc, path, partial) from exc
        executed = nbformat.read(tmp, as_version=4)
        html_path = None
        if html:
            title = _title(executed, nb_name)
            html_path = write_atomic(final_html, export_html(executed, title=title, footer=_footer(path, values)))
        os.replace(tmp, final_nb)
        partial.unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
    pdf_path = None
    if pdf and html_path is not None:
        from .pdf import write_pdf

        pdf_path = write_pdf(html_path, out / f"{base}.pdf")
    return RenderResult(nb_name, final_nb, html_path, values, time.perf_counter() - t0, pdf_path)


def _refuse_secrets_in_urls(values: Mapping[str, Any], nb_name: str) -> None:
    """A URL parameter carrying user:password@ or a query string is refused *before* papermill
    writes the parameters into any notebook (the error does not echo the secret)."""
    from ..core.errors import ConfigError
    from ..sources.prometheus.auth import public_url

    for name, value in values.items():
        if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
            try:
                public_url(value)
            except ConfigError as exc:
                raise ParameterError(
                    f"{nb_name}: parameter {name!r}: {exc}", notebook=nb_name, parameter=name
                ) from None


def _footer(path: Path, values: Mapping[str, Any]) -> str:
    from .._version import __version__

    shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "defaults"
    return (
        f"Rendered {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC by capacity {__version__} "
        f"from notebooks/{path.name} with parameters: {shown}."
    )


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback.replace("_", " ")
