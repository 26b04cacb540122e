"""Keep what other libraries print off the user's terminal during a run.

Ray's C++ core writes lines such as `logging.cc:303: Set ray log level ...` straight to file
descriptor 2, and Ray Data logs warnings through Python logging; both would splice into the
progress display and break `--log-format json` (every stderr line must be a JSON object).

`StderrCapture` points descriptor 2 and `sys.stderr` at a log file for the duration of a run and
hands docpipe's own reporters a stream on the original terminal. Nothing is lost: the log file
is kept (the CLI copies it next to the run summary) and its path is in the summary.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType


class StderrCapture:
    """Context manager: foreign stderr output → `log_path`; `terminal` writes to the real stderr.

    Usage:
        with StderrCapture() as capture:
            console = Console(file=capture.terminal)
            ...  # anything else written to fd 2 or sys.stderr lands in capture.log_path
    """

    def __init__(self, log_path: Path | None = None) -> None:
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="docpipe-run-", suffix=".log")
            os.close(fd)
            log_path = Path(name)
        self.log_path = log_path
        self.terminal: io.TextIOBase = sys.stderr
        self._saved_fd: int | None = None
        self._saved_stderr = sys.stderr
        self._own_terminal = False
        self._log = None

    def __enter__(self) -> StderrCapture:
        sys.stderr.flush()
        self._log = open(self.log_path, "ab", buffering=0)  # noqa: SIM115 - closed in __exit__
        try:
            self._saved_fd = os.dup(2)
        except OSError:  # no descriptor 2 (a daemon with stderr closed): capture Python output only
            self._saved_fd = None
        self._saved_stderr = sys.stderr
        if self._saved_fd is not None:
            os.dup2(self._log.fileno(), 2)
            if _fileno(sys.stderr) == 2:
                self.terminal = open(os.dup(self._saved_fd), "w", buffering=1, encoding="utf-8",  # noqa: SIM115
                                     errors="replace", closefd=True)
                self._own_terminal = True
            else:  # sys.stderr is already something else (a test runner's buffer): keep writing there
                self.terminal = sys.stderr
                self._own_terminal = False
        sys.stderr = open(os.dup(self._log.fileno()), "w", buffering=1, encoding="utf-8",  # noqa: SIM115
                          errors="replace", closefd=True)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.restore()

    def restore(self) -> None:
        """Put stderr back (idempotent)."""
        if self._log is None:
            return
        try:
            sys.stderr.flush()
            sys.stderr.close()
        except (OSError, ValueError):
            pass
        sys.stderr = self._saved_stderr
        if self._saved_fd is not None:
            if self._own_terminal:
                try:
                    self.terminal.flush()
                    self.terminal.close()
                except (OSError, ValueError):
                    pass
            os.dup2(self._saved_fd, 2)
            os.close(self._saved_fd)
            self._saved_fd = None
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
