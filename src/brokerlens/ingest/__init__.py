"""Ingest: validated, atomic, idempotent load of daily feed folders into the lake."""

from brokerlens.ingest.service import ingest_inbox
from brokerlens.ingest.summary import DateResult, IngestReport

__all__ = ["DateResult", "IngestReport", "ingest_inbox"]
