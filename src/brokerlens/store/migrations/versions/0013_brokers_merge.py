"""Issue 19: join the parts' migrations (the broker tree, handovers, commission statements),
which were written side by side on 0007.

Revision ID: 0013
Revises: 0008, 0009, 0010
Create Date: 2026-12-06 08:20:00

"""

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | Sequence[str] | None = ("0008", "0009", "0010")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the parts' tables are made by their own revisions."""


def downgrade() -> None:
    """Nothing to undo here."""
