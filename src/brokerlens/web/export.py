"""CSV downloads: UTF-8 with a BOM so Excel (the tool every branch opens it in) reads Chinese."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from fastapi.encoders import jsonable_encoder
from starlette.responses import Response


def csv_text(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        plain = jsonable_encoder(dict(row))
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(plain), extrasaction="ignore")
            writer.writeheader()
        writer.writerow(plain)
    return out.getvalue()


def csv_response(result: Any, filename: str = "export.csv") -> Response:
    """From what an `access` export gave: (file name, CSV text), CSV text, or rows."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], str):
        filename, result = result
    if isinstance(result, bytes):
        body = result.decode("utf-8")
    elif isinstance(result, str):
        body = result
    else:
        rows = getattr(result, "rows", result)
        body = csv_text(rows)
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(
        "\ufeff" + body.lstrip("\ufeff"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
