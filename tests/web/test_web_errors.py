"""The one error tree maps to HTTP statuses in one place: a refused workflow step is a
conflict (409), never a server error."""

from __future__ import annotations

import pytest

from brokerlens.errors import (
    AuthError,
    BrokerlensError,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
)
from brokerlens.suitability.errors import WorkflowError
from brokerlens.web.errors import status_of


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no such customer"), 404),
        (Forbidden("not in your scope"), 403),
        (AuthError("log in"), 401),
        (InvalidRequest("bad parameter"), 422),
        (Conflict("out of order"), 409),
        (WorkflowError("a confirmation needs a warning first"), 409),
        (BrokerlensError("unexpected"), 500),
    ],
)
def test_errors_map_to_statuses(error: BrokerlensError, status: int) -> None:
    assert status_of(error) == status
