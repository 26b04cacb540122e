"""Finding extraction schemas: built-in names, ./schemas/NAME.py, or path.py:Model.

A schema module defines pydantic models and names its root model with `SCHEMA = Model`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import sys
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from docpipe.builtin_paths import builtin_dir
from docpipe.config import ConfigError


class LoadedSchema:
    """A schema model plus the identity used for provenance and the ledger."""

    def __init__(self, name: str, model: type[BaseModel], origin: Path) -> None:
        self.name = name
        self.model = model
        self.origin = origin
        self.json_schema: dict = model.model_json_schema()
        canonical = json.dumps(self.json_schema, sort_keys=True, separators=(",", ":"))
        self.hash = hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"LoadedSchema({self.name!r}, {self.model.__name__}, {self.origin})"


def _search_dirs(cwd: Path) -> list[Path]:
    # A user's ./schemas folder wins over the built-ins so a team can override `invoice`.
    dirs = [cwd / "schemas"]
    builtin = builtin_dir("schemas")
    if builtin is not None and builtin.resolve() != (cwd / "schemas").resolve():
        dirs.append(builtin)
    return [d for d in dirs if d.is_dir()]


def available_schemas(cwd: Path | None = None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in reversed(_search_dirs(cwd or Path.cwd())):
        for path in sorted(directory.glob("*.py")):
            if not path.name.startswith("_"):
                found[path.stem] = path
    return dict(sorted(found.items()))


def _import_file(path: Path) -> ModuleType:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    module_name = f"docpipe_user_schema_{path.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot import schema file {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered before exec so pydantic can resolve forward references in the module.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's schema file with a bug is a configuration error
        del sys.modules[module_name]
        raise ConfigError(f"schema file {path} failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _root_model(module: ModuleType, path: Path, attr: str | None) -> type[BaseModel]:
    if attr:
        model = getattr(module, attr, None)
        if not (inspect.isclass(model) and issubclass(model, BaseModel)):
            raise ConfigError(f"{path} has no pydantic model named {attr!r}")
        return model
    model = getattr(module, "SCHEMA", None)
    if inspect.isclass(model) and issubclass(model, BaseModel):
        return model
    defined = [
        obj for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__
    ]
    if len(defined) == 1:
        return defined[0]
    raise ConfigError(
        f"{path}: set `SCHEMA = YourModel` or pass {path}:YourModel "
        f"(found {len(defined)} models: {', '.join(m.__name__ for m in defined) or 'none'})"
    )


def load_schema(spec: str, cwd: Path | None = None) -> LoadedSchema:
    """`spec` is a schema name (`invoice`), a file (`my.py`) or `file.py:Model`."""
    cwd = cwd or Path.cwd()
    path_part, _, attr = spec.partition(":")
    if path_part.endswith(".py"):
        path = (cwd / path_part).resolve()
        if not path.is_file():
            raise ConfigError(f"schema file not found: {path_part}")
        model = _root_model(_import_file(path), path, attr or None)
        return LoadedSchema(path.stem, model, path)
    known = available_schemas(cwd)
    if spec not in known:
        raise ConfigError(f"unknown schema {spec!r}; available: {', '.join(known) or 'none'} "
                          "(or pass path/to/schema.py:Model)")
    path = known[spec]
    return LoadedSchema(spec, _root_model(_import_file(path), path, None), path)
