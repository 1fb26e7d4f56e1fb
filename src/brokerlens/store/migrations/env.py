"""Alembic environment: migrations run on the connection `upgrade` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from brokerlens.store import (
    alerts_schema,  # noqa: F401  (its tables join `metadata`)
    brokers_handover_schema,  # noqa: F401  (its tables join `metadata`)
    brokers_statements_schema,  # noqa: F401  (its tables join `metadata`)
    brokers_tree_schema,  # noqa: F401  (its tables join `metadata`)
    compliance_schema,  # noqa: F401  (its tables join `metadata`)
    knowledge_schema,  # noqa: F401  (its tables join `metadata`)
    marketing_schema,  # noqa: F401  (its tables join `metadata`)
    notices_schema,  # noqa: F401  (its tables join `metadata`)
    points_schema,  # noqa: F401  (its tables join `metadata`)
    suitability_schema,  # noqa: F401  (its tables join `metadata`)
    training_schema,  # noqa: F401  (its tables join `metadata`; issue 23)
)
from brokerlens.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # `alembic` from the command line (autogenerate while developing)
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own:
        context.configure(connection=own, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
