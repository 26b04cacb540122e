"""Which questions are asked of which document: every `-q`, plus the lines of `--questions-file`.

A questions file is JSON lines, each naming a file and its question(s):

    {"file": "reports/q3.pdf", "question": "What is the highest value?"}
    {"file": "chart_17.png", "questions": ["Which year is lowest?", "What is the total?"]}
    {"file": "chart_18.png", "qa": [{"question": "...", "answer": "..."}]}   (a truth file works as is)

`file` matches a document by its path relative to an input folder, by its path as given, or by
its file name. Answers are never read from the file (`qa` lines lend only their questions).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field, ValidationError

from docpipe.config import ConfigError
from docpipe.records import SourceDoc


class QuestionLine(BaseModel):
    file: str = Field(min_length=1)
    questions: list[str]


def load_questions_file(path: Path) -> list[QuestionLine]:
    """The file's lines; raises ConfigError naming the line for anything unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read questions file {path}: {exc}") from exc
    lines: list[QuestionLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            questions = _questions_of(record)
            lines.append(QuestionLine(file=str(record.get("file") or ""), questions=questions))
        except (ValueError, ValidationError) as exc:
            raise ConfigError(f"{path}:{number}: expected {{\"file\": ..., \"question\": ...}} ({exc})") from exc
    return lines


def _questions_of(record: dict) -> list[str]:
    found: list[str] = []
    if isinstance(record.get("question"), str):
        found.append(record["question"])
    if isinstance(record.get("questions"), list):
        found += [q for q in record["questions"] if isinstance(q, str)]
    if isinstance(record.get("qa"), list):
        found += [q["question"] for q in record["qa"] if isinstance(q, dict) and isinstance(q.get("question"), str)]
    found = [q.strip() for q in found if q.strip()]
    if not found:
        raise ValueError("no question")
    return found


def questions_per_document(lines: Sequence[QuestionLine], docs: Sequence[SourceDoc], inputs: Sequence[str],
                           common: Sequence[str]) -> tuple[dict[str, list[str]], list[str]]:
    """(source_path → questions for documents the file names, file names that matched no document).

    A document's questions are every `-q` (common) and then its lines' questions, in file order,
    each asked once. Documents the file does not name get only the common questions (not listed).
    """
    roots = [Path(i) for i in inputs if Path(i).is_dir()]
    keys: dict[str, list[SourceDoc]] = {}
    for doc in docs:
        for key in _match_keys(doc.source_path, roots):
            keys.setdefault(key, []).append(doc)
    per_doc: dict[str, list[str]] = {}
    unmatched: list[str] = []
    for line in lines:
        wanted = PurePosixPath(line.file.replace("\\", "/")).as_posix().lstrip("./") or line.file
        matched = keys.get(wanted, [])
        if not matched:
            unmatched.append(line.file)
        for doc in matched:
            asked = per_doc.setdefault(doc.source_path, list(common))
            asked += [q for q in line.questions if q not in asked]
    return per_doc, unmatched


def _match_keys(source_path: str, roots: list[Path]) -> set[str]:
    path = Path(source_path)
    keys = {path.name, path.as_posix().lstrip("./")}
    for root in roots:
        try:
            keys.add(path.resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            continue
    return keys
