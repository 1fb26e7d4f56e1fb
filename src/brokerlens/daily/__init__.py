"""The daily job (`brokerlens daily INBOX`): ingest the new dates, run every step as of the newest,
publish it and count the saved segments, resumably, under one lock, with a JSON report per run."""

from brokerlens.daily.report import EXIT_CODES, DailyReport, StepLine
from brokerlens.daily.service import run_daily

__all__ = ["EXIT_CODES", "DailyReport", "StepLine", "run_daily"]
