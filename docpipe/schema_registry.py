"""Finding extraction schemas: built-in names, ./schemas/NAME.py, or path.py:Model.

A schema module defines pydantic models and names its root model with `SCHEMA = Model`.
The driver resolves a schema once; workers receive exactly what it resolved (`SchemaSource`:
the file's source text and the root model's name), never a path on the driver's disk, so a
worker on another machine extracts the same model. A schema file must therefore be
self-contained: it may import installed packages (docpipe, pydantic), not sibling files.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from docpipe.builtin_paths import builtin_dir
from docpipe.config import ConfigError


class SchemaSource(BaseModel):
    """What a worker needs to rebuild the driver's schema: the module source and the root model."""

    name: str  # the schema's name in provenance (built-in name or file stem)
    model_name: str  # class name of the root model inside `source`
    source: str  # the schema module's source text
    origin: str  # where the driver found it (for messages only; workers never open it)


class LoadedSchema:
    """A schema model plus the identity used for provenance and the ledger.

    `hash` covers the JSON Schema *and* the module source, so a changed validator, consistency
    rule or hint (which change results without changing the JSON Schema) changes the work key.
    """

    def __init__(self, name: str, model: type[BaseModel], origin: Path, source: str | None = None) -> None:
        self.name = name
        self.model = model
        self.origin = origin
        self.json_schema: dict = model.model_json_schema()
        if source is None:
            source = origin.read_text(encoding="utf-8") if origin.is_file() else ""
        self.source = SchemaSource(name=name, model_name=model.__name__, source=source, origin=str(origin))
        canonical = json.dumps(self.json_schema, sort_keys=True, separators=(",", ":"))
        self.hash = hashlib.sha256(f"{canonical}\x00{source}".encode()).hexdigest()[:16]

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


def _import_source(source: str, stem: str, origin: str) -> ModuleType:
    """Execute a schema module's source as a fresh module (cached by content)."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    module_name = f"docpipe_user_schema_{stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    module = ModuleType(module_name)
    module.__file__ = origin
    # Registered before exec so pydantic can resolve forward references in the module.
    sys.modules[module_name] = module
    try:
        exec(compile(source, origin, "exec"), module.__dict__)  # noqa: S102 - the user's own schema file
    except Exception as exc:  # a user's schema file with a bug is a configuration error
        del sys.modules[module_name]
        raise ConfigError(f"schema file {origin} failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _import_file(path: Path) -> tuple[ModuleType, str]:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read schema file {path}: {exc}") from exc
    return _import_source(source, path.stem, str(path)), source


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
        module, source = _import_file(path)
        return LoadedSchema(path.stem, _root_model(module, path, attr or None), path, source)
    known = available_schemas(cwd)
    if spec not in known:
        raise ConfigError(f"unknown schema {spec!r}; available: {', '.join(known) or 'none'} "
                          "(or pass path/to/schema.py:Model)")
    path = known[spec]
    module, source = _import_file(path)
    return LoadedSchema(spec, _root_model(module, path, None), path, source)


def load_schema_source(source: SchemaSource) -> LoadedSchema:
    """The schema the driver resolved, rebuilt in a worker from its source (no file is opened)."""
    module = _import_source(source.source, source.name, source.origin)
    return LoadedSchema(source.name, _root_model(module, Path(source.origin), source.model_name),
                        Path(source.origin), source.source)
