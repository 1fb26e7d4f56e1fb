"""The pipeline after ingest: running aggregates -> indicators -> classifications, as of T."""

from brokerlens.pipeline.run import RunReport, run_pipeline

__all__ = ["RunReport", "run_pipeline"]
