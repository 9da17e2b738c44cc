"""Writing files so that readers never see half of one: the one atomic-write rule.

A temporary file is written beside the target and renamed over it, so an existing
file is replaced only by a complete new one; on any error the temporary file is
removed and the target is untouched. The new file keeps the permission bits of the
file it replaces (or the umask default for a new file), never ``mkstemp``'s 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import ConfigError

__all__ = ["atomic_path", "new_file_mode", "write_atomic"]


def new_file_mode() -> int:
    """The mode a new file gets under the current umask (0644 under the usual 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``, on error remove it.

    A ``path`` that is not a regular file (``/dev/stdout``, ``/dev/null``, a FIFO) is yielded as it
    is and written through; a symlink keeps pointing at the file, which is replaced.

    ``option`` names the setting that gave ``path`` in the message when its directory is missing.
    """
    given = Path(path)
    try:
        special = not stat.S_ISREG(given.stat().st_mode) and not given.is_dir()
    except OSError:
        special = False
    if special:  # /dev/stdout, /dev/null, a FIFO: written through, never replaced by a file
        yield given
        return
    # a symlink to a file: the file it points to is replaced, the link stays
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ConfigError(
            f"{option} {target}: directory {directory} does not exist", field=option.lstrip("-"), file=str(target)
        )
    field = option.lstrip("-")
    if target.is_dir():
        raise ConfigError(f"{option} {target}: is a directory; give a file name", field=field, file=str(target))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = new_file_mode()
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ConfigError(
            f"{option} {target}: cannot write in {directory} ({exc.strerror or exc})", field=field, file=str(target)
        ) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise ConfigError(
                f"{option} {target}: cannot replace it ({exc.strerror or exc}); the existing file is unchanged",
                field=field,
                file=str(target),
            ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(
    path: str | os.PathLike[str], data: str | bytes, *, option: str = "--out", parents: bool = True
) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, creating its folder unless ``parents``
    is False; returns the path."""
    if not isinstance(data, (str, bytes)):
        raise TypeError(f"write_atomic: data must be str or bytes, got {type(data).__name__}")
    if parents:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, option=option) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(data)
    return Path(path)
