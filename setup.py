"""What pyproject.toml cannot say: the optional C reader of query_range values, and the notebooks.

``optional=True``: without a C compiler the install still succeeds and
capacity/sources/prometheus/_matrix.py reads answers with Arrow instead (slower, same numbers).

The notebooks live in the repository's top-level ``notebooks/`` (their one source); a built
package (wheel, ``pip install .``) carries a copy in ``capacity/report/notebooks/``, where
capacity.report.rendering.notebooks_dir() finds them. Editable installs read ``notebooks/`` directly.
"""

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
PACKAGED = ("capacity", "report", "notebooks")


class build_py_with_notebooks(build_py):
    """build_py, then copy notebooks/*.ipynb into capacity/report/notebooks/ of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's notebooks/
        sources = sorted(NOTEBOOKS.glob("*.ipynb"))
        if not sources:
            raise SystemExit(f"setup.py: no notebooks in {NOTEBOOKS} (an sdist needs MANIFEST.in's notebooks line)")
        target = Path(self.build_lib, *PACKAGED)
        target.mkdir(parents=True, exist_ok=True)
        for src in sources:
            shutil.copyfile(src, target / src.name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            target = Path(self.build_lib, *PACKAGED)
            outputs += [str(target / src.name) for src in sorted(NOTEBOOKS.glob("*.ipynb"))]
        return outputs


setup(
    cmdclass={"build_py": build_py_with_notebooks},
    ext_modules=[
        Extension(
            "capacity.sources.prometheus._valuesc", sources=["capacity/sources/prometheus/_valuesc.c"], optional=True
        )
    ],
)
