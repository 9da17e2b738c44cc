"""One entry point for spec files: :func:`load` reads a file (or YAML text) and
hands its documents to the loader of its format.

Formats, told apart by the first document's ``apiVersion``:

- ``openslo/...``: OpenSLO v1 ``kind: SLO`` / ``kind: SLI`` documents (:mod:`.load_openslo`);
- anything else: ``capacity/v1`` (:mod:`.load_v1`, which names a wrong ``apiVersion``).

Every problem raises :class:`~capacity.core.errors.SpecError` naming the file,
the SLO (or alert) and the field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ..core import yamlio
from ..core.errors import SpecError
from ._parse import Raw
from .load_openslo import load_openslo
from .load_v1 import default_spec, load_v1
from .model import Spec

__all__ = ["LOADERS", "load", "load_spec", "default_spec"]


class Loader(Protocol):
    def __call__(self, docs: Sequence[Raw], *, file: str, base: Spec | None = None) -> Spec: ...


#: format -> the loader of a file's YAML documents
LOADERS: dict[str, Loader] = {"openslo": load_openslo, "capacity/v1": load_v1}


def _format(docs: Sequence[Raw]) -> str:
    first = docs[0]
    version = first.get("apiVersion") if isinstance(first, Mapping) else None
    return "openslo" if str(version or "").startswith("openslo/") else "capacity/v1"


def _documents(text: str, file: str) -> list[Raw]:
    docs: list[Raw] = yamlio.parse(text, file=file, what="SLO spec", many=True, error=SpecError)
    if not docs:
        raise SpecError(f"{file}: the file is empty", file=file)
    return docs


def load(source: str | os.PathLike[str], *, extend_default: bool = False) -> Spec:
    """Load a spec: capacity/v1 or OpenSLO v1, from a file or from YAML text.

    ``source``: a path, or the YAML text itself (a ``str`` with a line break;
    its errors name ``<spec>``). With ``extend_default=True`` its SLOs and
    alerts override or add to the default spec's.
    """
    if isinstance(source, str) and "\n" in source:
        file, text = "<spec>", source
    else:
        path = Path(source)
        file = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError(f"{path}: spec file is not UTF-8 text (byte {exc.start})", file=file) from None
        except OSError as exc:
            raise SpecError(f"{path}: cannot read spec file: {exc.strerror or exc}", file=file) from exc
    docs = _documents(text, file)
    return LOADERS[_format(docs)](docs, file=file, base=default_spec() if extend_default else None)


def load_spec(path: str | os.PathLike[str], *, extend_default: bool = False) -> Spec:
    """Load a spec file (capacity/v1 or OpenSLO v1); see :func:`load`, which also takes YAML text."""
    return load(Path(path), extend_default=extend_default)
