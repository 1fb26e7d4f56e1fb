"""`bench --inbox`: the report names the brokerage benched (its customers and delivered dates),
not the command's defaults (a 3M inbox was reported as "100,000 customers x 20 days")."""

from __future__ import annotations

import shutil

from brokerlens.cli.bench import generated_size
from brokerlens.generate import ContinueOptions, continue_generation


def test_the_size_is_read_from_the_generated_inbox(small_brokerage, tmp_path):
    assert generated_size(small_brokerage.inbox) == (600, 12)
    inbox = tmp_path / "inbox"
    shutil.copytree(small_brokerage.inbox, inbox)
    continue_generation(ContinueOptions(inbox=inbox, days=1))
    assert generated_size(inbox) == (600, 13)
