"""A rendered report as PDF: Chromium's print-to-PDF of its self-contained HTML, offline.

The page's print rules (:data:`capacity.report.html.CSS`, ``@media print``) keep a chart, a table
row and a heading with what follows on one page. Chromium gets a throw-away profile and no network
(every host resolves to nothing), so a report never fetches anything while it prints.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import ReportError
from ..core.files import atomic_path
from .output import find_chromium

__all__ = ["write_pdf"]


def write_pdf(html: str | os.PathLike[str], pdf: str | os.PathLike[str], *, timeout: float = 180.0) -> Path:
    """Print ``html`` (a file) to ``pdf`` with headless Chromium, atomically; ReportError when there is
    no Chromium, it fails, or it writes nothing."""
    browser = find_chromium()
    src, out = Path(html).resolve(), Path(pdf)
    if browser is None:
        raise ReportError("PDF export needs chromium (Debian package 'chromium') on PATH or BROWSER_PATH", notebook="")
    with tempfile.TemporaryDirectory(prefix="capacity-pdf-") as profile, atomic_path(out, option="--pdf") as tmp:
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--virtual-time-budget=20000",
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            src.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ReportError(
                f"PDF export of {src.name}: chromium did not finish within {timeout:g} s", notebook=""
            ) from None
        if done.returncode != 0 or not tmp.is_file() or tmp.stat().st_size < 1000:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise ReportError(f"PDF export of {src.name} failed: {tail[0][:200]}", notebook="")
    return out
