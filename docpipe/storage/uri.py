"""Resolve a local path or a URI to an fsspec filesystem and a path inside it.

Credentials and endpoints come from each store's standard environment and config files
(AWS_ACCESS_KEY_ID / AWS_PROFILE / AWS_ENDPOINT_URL for S3, GOOGLE_APPLICATION_CREDENTIALS for
GCS, AZURE_STORAGE_ACCOUNT_NAME / AZURE_STORAGE_CONNECTION_STRING for Azure), read by the
libraries themselves (s3fs, gcsfs, adlfs): docpipe never handles a secret.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
# fsspec protocol names whose packages a user must install; named in the error when missing.
_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs",
             "abfss": "adlfs"}


class StorageUnavailable(RuntimeError):
    """The URI's scheme needs a filesystem package that is not installed (a usage error)."""


def scheme_of(uri: str) -> str | None:
    """'s3' for 's3://b/k', None for a local path (also for 'file://')."""
    match = _SCHEME.match(str(uri))
    if match is None:
        return None
    scheme = match.group(1).lower()
    return None if scheme in ("file", "local") else scheme


def is_remote(uri: str) -> bool:
    return scheme_of(str(uri)) is not None


def strip_file_scheme(uri: str) -> str:
    text = str(uri)
    return text[len("file://"):] if text.lower().startswith("file://") else text


def join(base: str, *parts: str) -> str:
    """`base` and relative posix parts joined with '/' (URIs) or os.path.join (local)."""
    if is_remote(base):
        return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts if p)])
    return os.path.join(strip_file_scheme(base), *parts)


def filesystem(uri: str) -> tuple[Any, str]:
    """(fsspec filesystem, path inside it) for a URI or local path.

    Raises StorageUnavailable when the scheme's package is missing, ValueError for an unknown scheme.
    """
    scheme = scheme_of(uri)
    if scheme is None:
        from fsspec.implementations.local import LocalFileSystem

        return LocalFileSystem(), os.path.abspath(os.path.expanduser(strip_file_scheme(uri)))
    fs = _filesystem_for(scheme)
    return fs, fs._strip_protocol(str(uri))


@lru_cache(maxsize=16)
def _filesystem_for(scheme: str) -> Any:
    import fsspec

    try:
        cls = fsspec.get_filesystem_class(scheme)
    except ImportError as exc:
        package = _PACKAGES.get(scheme, f"the fsspec implementation for {scheme}://")
        raise StorageUnavailable(f"{scheme}:// needs the package {package}: pip install {package}") from exc
    except ValueError as exc:
        raise ValueError(f"unknown storage scheme {scheme}://") from exc
    # One instance per process and scheme; fsspec caches instances itself as well. No listings
    # cache: the writer must see its own deletions at once.
    kwargs: dict[str, Any] = {}
    if scheme in ("s3", "s3a"):
        kwargs["use_listings_cache"] = False
    return cls(**kwargs)


def unstrip(uri_like: str, path: str) -> str:
    """A path inside the filesystem of `uri_like` written back as a URI of the same scheme."""
    scheme = scheme_of(uri_like)
    return path if scheme is None else f"{scheme}://{path}"
