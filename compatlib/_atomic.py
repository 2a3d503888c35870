"""Creating the temporary file of an atomic write, without ``tempfile``.

``tempfile`` imports ``random`` (and seeds it from the OS); a lock process only
needs a new, exclusive file beside the target, so names are made from the
process, the thread and a counter, and ``O_EXCL`` guarantees no two writers
share one.
"""

from __future__ import annotations

import os
import threading

__all__ = ["new_temp_file"]


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
