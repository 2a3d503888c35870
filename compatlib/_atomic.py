"""Creating the temporary file of an atomic write, without ``tempfile``.

``tempfile`` imports ``random`` (and seeds it from the OS); a lock process only
needs a new, exclusive file beside the target, so names are made from the
process, the thread and a counter, and ``O_EXCL`` guarantees no two writers
share one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading

__all__ = ["new_temp_file", "sweep_stale", "write_atomic"]


def new_temp_file(folder: str, prefix: str) -> tuple[int, str]:
    """A new file in ``folder``, open for writing: ``(descriptor, path)``.

    Its mode is ``0o666`` less the umask, as for any file the user creates.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    stem = f"{prefix}{os.getpid()}-{threading.get_ident()}"
    n = 0
    while True:
        path = os.path.join(folder, f"{stem}-{n}.tmp")
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            n += 1


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, durable: bool = True) -> None:
    """Write ``data`` (text is UTF-8 with ``\\n`` line ends) to ``path`` through a
    temporary file in the same folder, then rename it into place: readers see the
    old file or the new one, never a partial one, and a failure leaves the old
    file as it was. ``durable`` syncs the file to disk first (output files);
    cache entries skip that."""
    target = os.fspath(path)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "is a directory", target)
    folder = os.path.dirname(os.path.abspath(target))
    if durable:
        sweep_stale(folder)
    fd, tmp = new_temp_file(folder, ".compatlib-")  # mode 0o666 less the umask
    blob = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def sweep_stale(folder: str, prefix: str = ".compatlib-") -> int:
    """Remove temporary files that a killed compatlib process left in ``folder``:
    those whose writer (the process id in the name) no longer runs. Returns how
    many went. A run that is killed cannot clean up after itself; the next
    write to the same folder does. (Not on Windows, where probing a process id
    with os.kill would end it.)"""
    if sys.platform == "win32":
        return 0
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _running(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True
