"""Keep what other libraries print off the user's terminal during a run.

Ray's C++ core writes lines such as `logging.cc:303: Set ray log level ...` straight to file
descriptor 2, its driver prints task and actor errors (`(raylet) Task ... failed ...`) to
`sys.stdout`, and Ray Data logs warnings through Python logging. On the terminal they would splice
into the progress display; with `--log-format json` they would break the promise that every stderr
line is a JSON object and that stdout holds only the run summary.

`ForeignOutputCapture` points descriptors 1 and 2 and `sys.stdout`/`sys.stderr` at a log file for
the duration of a run and hands docpipe's own reporters a stream on the original stderr. docpipe
writes nothing to stdout while a run is in progress (the summary comes after). Nothing is lost: the
log file is kept (the CLI moves it next to the run summary) and its path is in the summary.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType


class ForeignOutputCapture:
    """Context manager: foreign stdout/stderr output → `log_path`; `terminal` writes to the real stderr.

    Usage:
        with ForeignOutputCapture() as capture:
            console = Console(file=capture.terminal)
            ...  # anything else written to fd 1/2 or sys.stdout/sys.stderr lands in capture.log_path
    """

    def __init__(self, log_path: Path | None = None) -> None:
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="docpipe-run-", suffix=".log")
            os.close(fd)
            log_path = Path(name)
        self.log_path = log_path
        self.terminal: io.TextIOBase = sys.stderr
        self._saved_fds: dict[int, int] = {}  # descriptor -> duplicate of what it was
        self._saved_streams = (sys.stdout, sys.stderr)
        self._own_terminal = False
        self._log = None

    def __enter__(self) -> ForeignOutputCapture:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        self._log = open(self.log_path, "ab", buffering=0)  # noqa: SIM115 - closed in restore()
        self._saved_streams = (sys.stdout, sys.stderr)
        for fd in (1, 2):
            try:
                self._saved_fds[fd] = os.dup(fd)
            except OSError:  # descriptor closed (a daemon): capture Python-level output only
                continue
            os.dup2(self._log.fileno(), fd)
        if 2 in self._saved_fds and _fileno(sys.stderr) == 2:
            self.terminal = open(os.dup(self._saved_fds[2]), "w", buffering=1, encoding="utf-8",  # noqa: SIM115
                                 errors="replace", closefd=True)
            self._own_terminal = True
        else:  # sys.stderr is already something else (a test runner's buffer): keep writing there
            self.terminal = sys.stderr
            self._own_terminal = False
        sys.stdout = self._log_stream()
        sys.stderr = self._log_stream()
        return self

    def _log_stream(self) -> io.TextIOBase:
        assert self._log is not None
        return open(os.dup(self._log.fileno()), "w", buffering=1, encoding="utf-8",  # noqa: SIM115
                    errors="replace", closefd=True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.restore()

    def restore(self) -> None:
        """Put stdout and stderr back (idempotent)."""
        if self._log is None:
            return
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
                stream.close()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = self._saved_streams
        if self._own_terminal:
            try:
                self.terminal.flush()
                self.terminal.close()
            except (OSError, ValueError):
                pass
        for fd, saved in self._saved_fds.items():
            os.dup2(saved, fd)
            os.close(saved)
        self._saved_fds = {}
        self.terminal = sys.stderr
        self._log.close()
        self._log = None

    def foreign_lines(self) -> list[str]:
        """What others wrote while captured (for tests and the run log)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
