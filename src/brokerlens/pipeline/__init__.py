"""The pipeline: runs the registered run steps as of a date (orchestration only)."""

from brokerlens.pipeline.run import RunReport, StepOutcome, discover_steps, run_pipeline

__all__ = ["RunReport", "StepOutcome", "discover_steps", "run_pipeline"]
