"""Issue 23: join the parts' migrations (points, the knowledge base, training, notices),
which were written side by side on 0013.

Revision ID: 0018
Revises: 0014, 0015, 0016, 0017
Create Date: 2026-12-07 05:00:00

"""

from collections.abc import Sequence

revision: str = "0018"
down_revision: str | Sequence[str] | None = ("0014", "0015", "0016", "0017")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the parts' tables are made by their own revisions."""


def downgrade() -> None:
    """Nothing to undo here."""
