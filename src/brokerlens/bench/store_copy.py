"""Copies of a PostgreSQL store for the kill drill: `CREATE DATABASE copy TEMPLATE base`, as a
home's copy is made with its folder's; dropped afterwards. A SQLite store is a file in the home
and is copied with it, so there it is nothing to do.

PostgreSQL copies a template only while no one else is connected to it: this process's pooled
connections are closed first, and the drill reads stores through connections it closes.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import NullPool

from brokerlens.bench.home_contents import connected, driver_url
from brokerlens.store import dispose_engines

MAINTENANCE_DATABASE = "postgres"  # where CREATE and DROP DATABASE are sent from


def _quote(name: str) -> str:
    return postgresql.dialect().identifier_preparer.quote(name)


class StoreCopies:
    """Copies of the PostgreSQL database at `url`, each dropped by `drop` or `drop_all`."""

    def __init__(self, url: str) -> None:
        self.url = driver_url(url)
        with connected(url) as connection:  # its name as the server knows it
            self.base: str = connection.execute(sa.text("SELECT current_database()")).scalar_one()
        self.copies: dict[str, str] = {}  # URL -> database name

    def _admin(self, sql: str) -> None:
        admin = sa.create_engine(
            self.url.set(database=MAINTENANCE_DATABASE),
            isolation_level="AUTOCOMMIT",
            poolclass=NullPool,
        )
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(sql))
        finally:
            admin.dispose()

    def copy(self) -> str:
        """A fresh copy of the base database: its URL."""
        dispose_engines()  # a pooled connection on the template would make PostgreSQL refuse
        name = f"drill_{uuid.uuid4().hex[:16]}"  # never user text
        self._admin(f"CREATE DATABASE {_quote(name)} TEMPLATE {_quote(self.base)}")
        url = self.url.set(database=name).render_as_string(hide_password=False)
        self.copies[url] = name
        return url

    def drop(self, url: str) -> None:
        """Drop a copy; a killed run's connections the server has not yet noticed go with it."""
        name = self.copies.pop(url)
        self._admin(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")

    def drop_all(self) -> None:
        for url in list(self.copies):
            self.drop(url)
