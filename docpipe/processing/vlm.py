"""Answer a batch of pages with a VLM engine: tasks in pipeline order, batched across pages.

Each task's requests for the whole batch go to the engine together. Invalid output gets one
repair request; output cut by the token budget is salvaged when the complete part validates.
"""

from __future__ import annotations

from docpipe.engines.base import Engine, EngineResponse
from docpipe.processing.grounding_step import ground_page
from docpipe.processing.page_result import build_page_result
from docpipe.records import ErrorCategory, ErrorInfo, PageImage, PageResult, Status, TaskOutcome
from docpipe.tasks.base import OutputProblem, PageWork, Task
from docpipe.tasks.json_output import close_truncated_json


class VlmPageProcessor:
    def __init__(self, engine: Engine, tasks: list[Task], questions: list[str] | None = None,
                 doc_questions: dict[str, list[str]] | None = None) -> None:
        self.engine = engine
        self.tasks = tasks
        self.engine_label = "vlm"
        self.questions = list(questions or [])
        self.doc_questions = dict(doc_questions or {})

    def __call__(self, items: list[tuple[PageImage, bytes | None]]) -> list[PageResult]:
        works = [PageWork(page=page, image=image, questions=self.doc_questions.get(page.source_path, self.questions))
                 for page, image in items]
        for task in self.tasks:
            self._run_task(task, [w for w in works if w.page.status != Status.failed and task.applies(w)])
        return [build_page_result(w, self.engine_label, ground_page(w)) for w in works]

    def _run_task(self, task: Task, works: list[PageWork]) -> None:
        if not works:
            return
        requests = [task.request(w, f"{w.page.key}:{task.name}") for w in works]
        responses = self.engine.generate(requests)
        repairs: list[tuple[PageWork, EngineResponse, str]] = []
        for work, response in zip(works, responses):
            problem = self._accept(task, work, response, repaired=False)
            if problem is not None:
                repairs.append((work, response, problem))
        if repairs:
            requests = [task.repair_request(w, f"{w.page.key}:{task.name}:repair", r.text, p)
                        for w, r, p in repairs]
            for (work, first, _), response in zip(repairs, self.engine.generate(requests)):
                response.prompt_tokens += first.prompt_tokens
                response.completion_tokens += first.completion_tokens
                response.latency_s += first.latency_s
                problem = self._accept(task, work, response, repaired=True)
                if problem is not None:
                    self._record(work, task, response, Status.failed, ErrorCategory.invalid_output,
                                 f"output still invalid after one repair: {problem}", repaired=True)

    def _accept(self, task: Task, work: PageWork, response: EngineResponse, repaired: bool) -> str | None:
        """Store a valid output and record it; return the problem text when a repair may help."""
        if response.finish_reason == "error":
            self._record(work, task, response, Status.failed, ErrorCategory.engine,
                         response.error or "engine failed on this request", repaired)
            return None
        if response.finish_reason == "length":
            return self._salvage(task, work, response, repaired)
        try:
            output = task.parse(work, response.text)
        except OutputProblem as problem:
            return problem.detail
        task.store(work, output)
        self._record(work, task, response, Status.ok, None, None, repaired, task.output_json(output))
        return None

    def _salvage(self, task: Task, work: PageWork, response: EngineResponse, repaired: bool) -> None:
        budget = f"generation reached max_new_tokens={task.max_new_tokens} before the output was complete"
        candidate = response.text
        if task.decoding_schema(work) is not None:
            candidate = close_truncated_json(response.text) or ""
        try:
            output = task.parse(work, candidate) if candidate else None
        except OutputProblem:
            output = None
        if output is None:
            self._record(work, task, response, Status.failed, ErrorCategory.token_budget, budget, repaired)
            return None
        task.store(work, output)
        self._record(work, task, response, Status.partial, ErrorCategory.token_budget,
                     budget + "; kept the complete part", repaired, task.output_json(output))
        return None

    @staticmethod
    def _record(work: PageWork, task: Task, response: EngineResponse, status: Status,
                category: ErrorCategory | None, message: str | None, repaired: bool,
                output_json: str | None = None) -> None:
        error = ErrorInfo(category=category, message=message, stage=task.name) if category else None
        work.outcomes.append(TaskOutcome(
            task=task.name, status=status, error=error, output_json=output_json,
            raw_output=response.text, repaired=repaired,
            prompt_tokens=response.prompt_tokens, completion_tokens=response.completion_tokens,
            latency_s=round(response.latency_s, 4),
        ))
