"""The threshold page shows, under an alert's meaning, why it may fire for more than 5% of the
book (`volume_reason_zh`, issue 20); an alert without one shows no such line."""

from __future__ import annotations

import re
from collections.abc import Callable

from brokerlens.alerts import load_alerts
from web.conftest import Published, SignedIn


def _section(html: str, alert_id: str) -> str:
    found = re.search(
        rf'<section class="card threshold" id="thr-{alert_id}">(.*?)</section>', html, re.S
    )
    assert found, alert_id
    return found.group(1)


def test_the_threshold_page_says_why_a_busy_alert_fires_often(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    definitions = {d.id: d for d in load_alerts(published.settings).definitions}
    busy = [d for d in definitions.values() if d.volume_reason_zh]
    assert busy, "the shipped alerts include at least one with a volume reason"
    me = sign_in("branch_manager")
    page = me.client.get("/alerts/thresholds")
    assert page.status_code == 200
    for definition in busy:
        section = _section(page.text, definition.id)
        assert "提醒较多的原因" in section
        assert definition.volume_reason_zh in section
    assert "提醒较多的原因" not in _section(page.text, "fund_movement")
