"""Read one input's bytes in the worker that processes it (never on the driver of a cluster run)."""

from __future__ import annotations

from docpipe.records import ErrorCategory
from docpipe.storage.uri import filesystem


class InputReadError(Exception):
    """An input listed by the driver could not be read here; category says why (vanished, ...)."""

    def __init__(self, category: ErrorCategory, message: str) -> None:
        super().__init__(message)
        self.category = category
        self.message = message


def read_input(uri: str, *, max_bytes: int | None = None) -> bytes:
    """All bytes of the input at `uri` (a local path or an object URI).

    Raises InputReadError: `vanished` when the object listed by the driver no longer exists,
    `not_found` when it cannot be read (permission denied, store error), `too_large` above max_bytes.
    """
    try:
        fs, path = filesystem(uri)
        if max_bytes is not None:
            size = fs.size(path)
            if size is not None and size > max_bytes:
                raise InputReadError(ErrorCategory.too_large, f"{size} bytes is over the limit of {max_bytes}")
        return fs.cat_file(path)
    except InputReadError:
        raise
    except FileNotFoundError:
        raise InputReadError(ErrorCategory.vanished, "the input was listed but no longer exists") from None
    except PermissionError as exc:
        raise InputReadError(ErrorCategory.not_found, f"cannot read the input: permission denied ({exc})") from None
    except IsADirectoryError:
        raise InputReadError(ErrorCategory.vanished, "the input is now a directory") from None
    except MemoryError:
        raise InputReadError(ErrorCategory.too_large, "the input is too large to load into memory") from None
    except OSError as exc:
        raise InputReadError(ErrorCategory.not_found,
                             f"cannot read the input: {exc.strerror or exc}") from None
