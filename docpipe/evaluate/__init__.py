"""`docpipe eval`: the one scorer. Fields (`fields`), and the parts that score tables, charts and
calibration, each in its own module; the CLI calls `scoring.score_truth_file` and the renderers.
"""

from docpipe.evaluate.fields import EvalReport, FieldScore, evaluate, render_calibration, render_eval

__all__ = ["EvalReport", "FieldScore", "evaluate", "render_calibration", "render_eval"]
