"""Hand-built multi-date inboxes: rows written from Python, so that every indicator can be
worked out by hand.

`HandInbox` collects contract rows per business date and feed and writes any subset of the
dates as `<inbox>/<YYYY-MM-DD>/<feed>.csv`. The row helpers fill every column of the feed and
keep the reconciliations the ingest checks (total_assets from its parts, amount = quantity x
price), so a test only states what matters to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from brokerlens.contract.feeds import FEEDS
from brokerlens.market.calendar import trading_days
from support.factories import Row, write_feed


def row(feed: str, **values: Any) -> Row:
    """A row of `feed` with every column: the given values as text, the others empty."""
    unknown = set(values) - set(FEEDS[feed].column_names)
    if unknown:
        raise KeyError(f"{feed} has no column(s) {sorted(unknown)}")
    return {c: "" if values.get(c) is None else str(values[c]) for c in FEEDS[feed].column_names}


def money(value: float | Decimal | str) -> str:
    return f"{Decimal(str(value)):.2f}"


class HandInbox:
    """Rows by business date and feed; `write` puts chosen dates into an inbox folder."""

    def __init__(self, days: Iterable[dt.date]) -> None:
        self.days = sorted(days)
        for day in self.days:
            if day not in trading_days(day, day):
                raise ValueError(f"{day} is not an SSE trading day")
        self.rows: dict[dt.date, dict[str, list[Row]]] = {d: {} for d in self.days}

    def add(self, day: dt.date, feed: str, *rows: Row) -> None:
        if day not in self.rows:
            raise KeyError(f"{day} is not one of the inbox's business dates")
        self.rows[day].setdefault(feed, []).extend(rows)

    def write(self, inbox: Path, days: Iterable[dt.date] | None = None) -> Path:
        """Write the given dates (all when None) under `inbox`; returns `inbox`."""
        for day in self.days if days is None else days:
            folder = inbox / day.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            for feed, rows in self.rows[day].items():
                write_feed(folder, feed, rows)
        return inbox

    # -- fact rows -------------------------------------------------------------------------

    def assets(
        self,
        day: dt.date,
        customer_id: str,
        *,
        cash: float = 0,
        available_cash: float | None = None,
        stock_value: float = 0,
        fund_value: float = 0,
        bond_value: float = 0,
        product_value: float = 0,
        other_value: float = 0,
        liabilities: float = 0,
    ) -> None:
        """A daily_assets row whose total_assets is exactly the sum of its parts."""
        parts = [cash, stock_value, fund_value, bond_value, product_value, other_value]
        total = sum(Decimal(money(p)) for p in parts) - Decimal(money(liabilities))
        self.add(
            day,
            "daily_assets",
            row(
                "daily_assets",
                biz_date=day,
                customer_id=customer_id,
                cash=money(cash),
                available_cash=money(cash if available_cash is None else available_cash),
                stock_value=money(stock_value),
                fund_value=money(fund_value),
                bond_value=money(bond_value),
                product_value=money(product_value),
                other_value=money(other_value),
                liabilities=money(liabilities),
                total_assets=money(total),
            ),
        )

    def trade(
        self,
        day: dt.date,
        trade_id: str,
        customer_id: str,
        account_id: str,
        security_id: str,
        side: str,
        quantity: int,
        price: str,
        *,
        net_commission: str = "0.00",
        trade_type: str = "normal",
        time: str = "10:30:00",
    ) -> None:
        """A trade with amount = quantity x price and commission = net commission + 1 yuan."""
        amount = Decimal(quantity) * Decimal(price)
        self.add(
            day,
            "trades",
            row(
                "trades",
                biz_date=day,
                trade_id=trade_id,
                customer_id=customer_id,
                account_id=account_id,
                security_id=security_id,
                side=side,
                trade_type=trade_type,
                quantity=quantity,
                price=price,
                amount=money(amount),
                commission=money(Decimal(net_commission) + 1),
                net_commission=money(net_commission),
                stamp_duty="0.00",
                transfer_fee="0.00",
                other_fee="0.00",
                channel="app",
                trade_time=f"{day} {time}",
            ),
        )

    def position(
        self,
        day: dt.date,
        customer_id: str,
        account_id: str,
        security_id: str,
        quantity: int,
        cost_amount: float,
        market_value: float,
    ) -> None:
        self.add(
            day,
            "positions",
            row(
                "positions",
                biz_date=day,
                customer_id=customer_id,
                account_id=account_id,
                security_id=security_id,
                quantity=quantity,
                cost_amount=money(cost_amount),
                market_value=money(market_value),
            ),
        )

    def transfer(
        self, day: dt.date, transfer_id: str, customer_id: str, direction: str, amount: float
    ) -> None:
        self.add(
            day,
            "fund_transfers",
            row(
                "fund_transfers",
                biz_date=day,
                transfer_id=transfer_id,
                customer_id=customer_id,
                direction=direction,
                amount=money(amount),
                bank="ICBC",
                channel="app",
            ),
        )

    def product_trade(
        self,
        day: dt.date,
        order_id: str,
        customer_id: str,
        product_id: str,
        action: str,
        amount: float,
        units: float,
    ) -> None:
        self.add(
            day,
            "product_trades",
            row(
                "product_trades",
                biz_date=day,
                order_id=order_id,
                customer_id=customer_id,
                product_id=product_id,
                action=action,
                amount=money(amount),
                units=units,
                fee="0.00",
                channel="app",
            ),
        )

    def product_holding(
        self,
        day: dt.date,
        customer_id: str,
        product_id: str,
        units: float,
        market_value: float,
        cost_amount: float,
    ) -> None:
        self.add(
            day,
            "product_holdings",
            row(
                "product_holdings",
                biz_date=day,
                customer_id=customer_id,
                product_id=product_id,
                units=units,
                market_value=money(market_value),
                cost_amount=money(cost_amount),
            ),
        )

    def quote(self, day: dt.date, security_id: str, close: str, volume: int = 1_000_000) -> None:
        """A flat day at `close`, market trade amount = volume x close."""
        self.add(
            day,
            "quotes",
            row(
                "quotes",
                biz_date=day,
                security_id=security_id,
                open=close,
                high=close,
                low=close,
                close=close,
                prev_close=close,
                volume=volume,
                amount=money(Decimal(volume) * Decimal(close)),
            ),
        )

    def index_quote(self, day: dt.date, index_id: str, close: str) -> None:
        self.add(
            day,
            "index_quotes",
            row("index_quotes", biz_date=day, index_id=index_id, close=close, prev_close=close),
        )

    def corporate_action(
        self, day: dt.date, security_id: str, ex_date: dt.date, action_type: str, per_share: str
    ) -> None:
        """An action delivered (announced) on `day`, going ex on `ex_date`."""
        self.add(
            day,
            "corporate_actions",
            row(
                "corporate_actions",
                security_id=security_id,
                ex_date=ex_date,
                action_type=action_type,
                per_share=per_share,
            ),
        )


def read_by_customer(path: Path) -> dict[str, dict[str, Any]]:
    """A warehouse Parquet file (indicators or profile) as {customer_id: {column: value}}."""
    return {r["customer_id"]: r for r in pq.read_table(path).to_pylist()}
