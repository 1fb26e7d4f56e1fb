"""One error tree. Every error a user can meet says what went wrong and what to do."""

from __future__ import annotations

import errno
import re


class BrokerlensError(Exception):
    """Root of every error raised on purpose. The CLI prints these without a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  -> {self.hint}"


class ConfigError(BrokerlensError):
    """A setting or command-line parameter is invalid."""


class InputError(BrokerlensError):
    """Input data is unusable. Names the file, and where it applies the line and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                f"column {column!r}" if column else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.file = file
        self.line = line
        self.column = column


class DateRejected(InputError):
    """A whole business date was refused; nothing of it became visible."""


class CalendarError(BrokerlensError):
    """A date is outside the trading calendar, or not a trading day where one is needed."""


class ReadOnlyError(BrokerlensError):
    """A statement tried to write through a read-only interface."""


class LakeError(BrokerlensError):
    """The lake is missing or in a state that needs an operator."""


class InvalidRequest(ConfigError):
    """A request's parameter or field is unusable; the message names it and what to do."""


class FieldRejected(InvalidRequest):
    """One field of a form or a body is unusable (422); `field` names it, so a page can show
    `problem` beside that field."""

    def __init__(self, field: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{field}: {problem}", hint=hint)
        self.field = field
        self.problem = problem


class NotFound(BrokerlensError):
    """Nothing there, or nothing the user may see: the two answer alike (404)."""


class Conflict(BrokerlensError):
    """The request does not fit the current state (a workflow step out of order): HTTP 409."""


class Forbidden(BrokerlensError):
    """The user's role or permissions do not allow the action (403). Never hides customers."""


class AuthError(BrokerlensError):
    """Sign-in failed, the account is locked, or the session has ended (401)."""


class RunBusy(BrokerlensError):
    """Another daily run holds the home's lock: this one did nothing."""

    exit_code = 4


class DiskFull(BrokerlensError):
    """A write failed for want of disk space: nothing half-written is kept (every file is
    written to a temporary name first), and the command can simply run again."""


_NO_SPACE = "No space left on device"


def disk_full(exc: BaseException) -> DiskFull | None:
    """`exc` as a DiskFull when it (or what caused it) is a write the disk had no room for:
    an OSError ENOSPC, or DuckDB's IO error saying so. None otherwise."""
    seen: BaseException | None = exc
    while seen is not None:
        file = getattr(seen, "filename", None)
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return _disk_full(str(file) if file else None)
        if _NO_SPACE in str(seen):
            named = re.search(r'file \\?"([^"\\]+)\\?"', str(seen))
            return _disk_full(named.group(1) if named else None)
        seen = seen.__cause__ or seen.__context__
    return None


def _disk_full(path: str | None) -> DiskFull:
    where = f"could not write {path}" if path else "a write failed"
    return DiskFull(
        f"the disk is full: {where}",
        hint="free space on that disk (`df -h` shows it) or move the data home to a bigger one, "
        "then run the command again; `daily` carries on where it stopped",
    )
