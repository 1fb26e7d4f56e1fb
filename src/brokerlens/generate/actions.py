"""`generate --actions FILE`: contacts and campaign treatments made in brokerlens, fed back.

A CSV (UTF-8, a header line) with columns `customer_id`, `date` (YYYY-MM-DD), `action`
(`contact` or `campaign`) and optionally `product_id`; other columns are ignored, so an export
can carry more. Every row is one reached contact or one campaign treatment; effects.py says
what it does from its date on. Checked whole before anything is generated: a bad row is an
InputError naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brokerlens.errors import ConfigError, InputError
from brokerlens.generate.tables import day_number

KINDS = ("contact", "campaign")
CONTACT, CAMPAIGN = 0, 1
REQUIRED = ("customer_id", "date", "action")
CUSTOMER = re.compile(r"^C(\d{9})$")
PRODUCT = re.compile(r"^P(\d{5})$")


@dataclass(frozen=True)
class Actions:
    """The rows of an actions file, in file order (arrays of equal length)."""

    cust: np.ndarray  # customer index (C000000123 -> 123)
    day: np.ndarray  # day number of the date
    kind: np.ndarray  # CONTACT or CAMPAIGN
    prod: np.ndarray  # product index, -1 when none
    line: np.ndarray  # line of the file (the header is line 1)
    name: str
    digest: str  # sha256 of the file, recorded in _generator.json

    def __len__(self) -> int:
        return len(self.cust)


def read_actions(path: Path) -> Actions:
    if not path.is_file():
        raise ConfigError(
            f"--actions {path} does not exist or is not a file",
            hint="pass a CSV with columns customer_id,date,action[,product_id]",
        )
    raw = path.read_bytes()
    name = path.name
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start})", file=name, hint="save the CSV as UTF-8"
        ) from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"the header lacks {', '.join(missing)}",
            file=name,
            line=1,
            hint="the first line must name customer_id,date,action and optionally product_id",
        )
    col = {c: header.index(c) for c in (*REQUIRED, "product_id") if c in header}
    cust, day, kind, prod, line = [], [], [], [], []
    for row in reader:
        at = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            raise InputError(
                f"has {len(row)} fields, the header has {len(header)}", file=name, line=at,
                hint="leave an empty field for a missing product_id (a trailing comma)",
            )  # fmt: skip
        customer = row[col["customer_id"]]
        cust.append(_match(CUSTOMER, customer, name, at, "customer_id", "C000000123"))
        day.append(_date(row[col["date"]], name, at))
        action = row[col["action"]].strip().lower()
        if action not in KINDS:
            raise InputError(
                f"action {action!r} is unknown", file=name, line=at, column="action",
                hint="use contact or campaign",
            )  # fmt: skip
        kind.append(KINDS.index(action))
        product = row[col["product_id"]].strip() if "product_id" in col else ""
        prod.append(_match(PRODUCT, product, name, at, "product_id", "P00012") if product else -1)
        line.append(at)
    return Actions(
        cust=np.array(cust, np.int64),
        day=np.array(day, np.int64),
        kind=np.array(kind, np.int64),
        prod=np.array(prod, np.int64),
        line=np.array(line, np.int64),
        name=name,
        digest=hashlib.sha256(raw).hexdigest(),
    )


def _match(pattern: re.Pattern[str], value: str, name: str, at: int, column: str, eg: str) -> int:
    found = pattern.match(value.strip())
    if found is None:
        raise InputError(
            f"{column} {value!r} is not an id of the generated brokerage",
            file=name, line=at, column=column, hint=f"ids look like {eg}",
        )  # fmt: skip
    return int(found.group(1))


def _date(value: str, name: str, at: int) -> int:
    try:
        return day_number(dt.date.fromisoformat(value.strip()))
    except ValueError:
        raise InputError(
            f"date {value!r} is not a date", file=name, line=at, column="date",
            hint="write dates as YYYY-MM-DD",
        ) from None  # fmt: skip


def check(actions: Actions, customers: int, products: int, first_day: int) -> None:
    """Ids inside the generated brokerage, no date before the first generated date."""
    for bad, column, what, hint in (
        (actions.cust >= customers, "customer_id", "is not a customer of this run",
         f"this run has C000000000 .. C{customers - 1:09d} (--customers {customers})"),
        (actions.prod >= products, "product_id", "is not a product of this run",
         f"the generated products are P00000 .. P{products - 1:05d}"),
        (actions.day < first_day, "date", "is before the first generated date",
         "an action can only act from a generated date on: drop it or start earlier"),
    ):  # fmt: skip
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = {
                "customer_id": f"C{actions.cust[i]:09d}",
                "product_id": f"P{actions.prod[i]:05d}",
                "date": str(dt.date.fromordinal(int(actions.day[i]) + _EPOCH)),
            }[column]
            raise InputError(
                f"{column} {value} {what}",
                file=actions.name,
                line=int(actions.line[i]),
                column=column,
                hint=hint,
            )


_EPOCH = dt.date(1970, 1, 1).toordinal()
