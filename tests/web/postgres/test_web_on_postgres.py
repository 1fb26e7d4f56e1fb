"""A subset of the web tests, run again with the store on PostgreSQL.

The subset covers what depends on the store's SQL: sign-in and sessions, the filtered and
sorted list, 360 and why, segments (create, count, members), the audited export, the IDOR
matrix, the password change (which ends other sessions), a notice on the home page until
read, with its receipts, and the points' orders and adjustments (issue 23). The tests are the
SQLite ones, imported unchanged; this folder's conftest makes `published` a PostgreSQL store.
"""

from __future__ import annotations

from collections.abc import Callable

from web.conftest import Published, SignedIn
from web.test_web_flows import (
    test_list_filters_sort_and_partial,
    test_list_then_360_then_why,
    test_login_page_then_form_login_and_logout,
    test_me,
    test_segment_builder_save_count_members_export,
    test_unsafe_request_without_csrf_token_is_refused,
)
from web.test_web_notices import signed, test_a_notice_shows_on_the_home_page_until_read
from web.test_web_password import test_api_password_change
from web.test_web_points import (  # issue 23: the points store on PostgreSQL
    test_an_adjustment_needs_a_reason_and_head_office_approval,
    test_redeem_cancel_and_fulfil_move_the_balance_and_the_stock,
)
from web.test_web_security import (
    test_export_is_audited,
    test_idor_out_of_scope_answers_like_nonexistent,
)

__all__ = [
    "signed",
    "test_a_notice_shows_on_the_home_page_until_read",
    "test_an_adjustment_needs_a_reason_and_head_office_approval",
    "test_api_password_change",
    "test_export_is_audited",
    "test_idor_out_of_scope_answers_like_nonexistent",
    "test_list_filters_sort_and_partial",
    "test_list_then_360_then_why",
    "test_login_page_then_form_login_and_logout",
    "test_me",
    "test_redeem_cancel_and_fulfil_move_the_balance_and_the_stock",
    "test_segment_builder_save_count_members_export",
    "test_unsafe_request_without_csrf_token_is_refused",
]


def test_the_app_really_serves_from_postgresql(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    """Guards the override: were `published` SQLite here, the tests above would prove nothing."""
    from brokerlens.store import open_store

    assert open_store(published.settings).dialect.name == "postgresql"
    me = sign_in("broker")
    engine = me.client.app.state.db  # type: ignore[attr-defined]
    assert engine.dialect.name == "postgresql"
    assert me.client.get("/api/customers").json()["count"] > 0
