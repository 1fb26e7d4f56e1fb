"""Contract checks over a generated output folder (shared by the generator tests)."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from brokerlens.contract.feeds import FEEDS, ColumnType
from brokerlens.generate import GenerateOptions, generate
from brokerlens.market import calendar
from brokerlens.market.rules import price_limit

NUMERIC = (ColumnType.MONEY, ColumnType.PRICE, ColumnType.NUMBER, ColumnType.INTEGER)


def date_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and p.name[:2] == "20")


def read(folder: Path, name: str) -> pd.DataFrame | None:
    """A feed file as strings (CSV) or typed then stringified (parquet); None when absent."""
    csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
    if csv.exists():
        manifest = json.loads((folder / "_manifest.json").read_text())
        enc = manifest.get("encoding", "utf-8")
        header = csv.read_bytes().split(b"\n", 1)[0].decode(enc).split(",")
        table = pcsv.read_csv(
            csv,
            read_options=pcsv.ReadOptions(encoding=enc),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=True
            ),
        )
        return table.to_pandas()
    if parquet.exists():
        table = pq.read_table(parquet)
        cols = {}
        for f in table.schema:
            col = table.column(f.name)
            if pa.types.is_boolean(f.type):
                cols[f.name] = [None if v is None else str(v).lower() for v in col.to_pylist()]
            else:
                cols[f.name] = [None if v is None else str(v) for v in col.to_pylist()]
        return pd.DataFrame(cols, columns=table.column_names)
    return None


def load(out: Path, exclude_bad: bool = True) -> dict[str, dict[str, pd.DataFrame]]:
    """{date: {feed: frame}}, ground-truth bad rows removed when asked."""
    bad = pq.read_table(out / "_ground_truth" / "bad_rows.parquet").to_pandas()
    result: dict[str, dict[str, pd.DataFrame]] = {}
    for folder in date_dirs(out):
        day: dict[str, pd.DataFrame] = {}
        for name in FEEDS:
            frame = read(folder, name)
            if frame is None:
                continue
            if exclude_bad and len(bad):
                lines = bad[(bad.biz_date.astype(str) == folder.name) & (bad.feed == name)].line
                frame = frame.drop(index=[int(x) - 2 for x in lines])
            day[name] = frame
        result[folder.name] = day
    return result


def check_contract(out: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """Assert every contract rule on good rows; returns the loaded data."""
    data = load(out)
    seen_keys: dict[str, set[str]] = defaultdict(set)
    for date, day in data.items():
        biz = dt.date.fromisoformat(date)
        assert calendar.is_trading_day(biz), date
        for name in ("daily_assets", "positions", "quotes", "index_quotes", "product_nav"):
            assert name in day, (date, name)
        for name in FEEDS:  # load order: references first
            if name not in day:
                continue
            frame, spec = day[name], FEEDS[name]
            assert tuple(frame.columns) == spec.column_names, (date, name)
            if len(frame):
                key = frame[list(spec.key)].astype(str).agg("|".join, axis=1)
                assert key.is_unique, (date, name, key[key.duplicated()].head())
            for col in spec.columns:
                values = frame[col.name]
                if not col.nullable:
                    assert values.notna().all(), (date, name, col.name)
                present = values.dropna()
                if col.enum:
                    assert present.isin(col.enum).all(), (
                        date,
                        name,
                        col.name,
                        set(present) - set(col.enum),
                    )
                if col.type in NUMERIC and len(present):
                    num = present.astype(float)
                    if col.min_value is not None:
                        assert (num >= col.min_value).all(), (date, name, col.name, num.min())
                    if col.max_value is not None:
                        assert (num <= col.max_value).all(), (date, name, col.name)
                    if col.positive:
                        assert (num > 0).all(), (date, name, col.name)
                    if col.type == ColumnType.MONEY:
                        assert (
                            present.str.split(".").str[-1].str.len() <= 2
                        ).all() | ~present.str.contains(".", regex=False).all()
                if col.type == ColumnType.DATE and len(present):
                    pd.to_datetime(present, format="%Y-%m-%d")
                if col.type == ColumnType.BOOLEAN:
                    assert present.isin(["true", "false"]).all()
                if col.type == ColumnType.JSON:
                    present.map(json.loads)
                if col.references is not None:
                    ref = seen_keys[f"{col.references.feed}.{col.references.column}"]
                    own = set(frame[col.name]) if col.references.feed == name else set()
                    missing = set(present) - ref - own
                    assert not missing, (date, name, col.name, sorted(missing)[:5])
            if spec.date_column:
                assert (frame[spec.date_column] == date).all(), (date, name)
            if spec.is_reference:
                for col in spec.key:
                    seen_keys[f"{name}.{col}"].update(frame[col].dropna())
    return data


def money(s: pd.Series) -> pd.Series:
    return (s.astype(float) * 100).round().astype("int64")


def check_reconciliations(data: dict[str, dict[str, pd.DataFrame]]) -> None:
    """daily_assets totals and parts, positions values, trades amounts."""
    secs: dict[str, str] = {}
    for day in data.values():
        if "securities" in day:
            secs.update(
                dict(
                    zip(day["securities"].security_id, day["securities"].security_type, strict=True)
                )
            )
    klass = {
        "stock": "stock_value",
        "etf": "fund_value",
        "lof": "fund_value",
        "closed_fund": "fund_value",
        "bond": "bond_value",
        "convertible": "bond_value",
        "repo": "bond_value",
        "warrant": "other_value",
    }
    for date, day in data.items():
        da = day["daily_assets"].set_index("customer_id")
        m = {c: money(da[c]) for c in da.columns if c != "biz_date"}
        total = (
            m["cash"]
            + m["stock_value"]
            + m["fund_value"]
            + m["bond_value"]
            + m["product_value"]
            + m["other_value"]
            - m["liabilities"]
        )
        assert (total == m["total_assets"]).all(), date
        assert (m["available_cash"] <= m["cash"]).all()
        pos = day["positions"].copy()
        q = day["quotes"].set_index("security_id")
        close = q.close.astype(float)
        mv = pos.quantity.astype(float) * pos.security_id.map(close)
        assert ((mv - pos.market_value.astype(float)).abs() <= 0.006).all(), date
        pos["cls"] = pos.security_id.map(secs).map(klass)
        pos["mv"] = money(pos.market_value)
        sums = pos.groupby(["customer_id", "cls"]).mv.sum().unstack(fill_value=0)
        for col in ("stock_value", "fund_value", "bond_value", "other_value"):
            got = sums[col] if col in sums else pd.Series(dtype="int64")
            expect = m[col]
            joined = expect.to_frame("e").join(got.rename("g"), how="left").fillna(0)
            joined = joined[joined.index.isin(da.index)]
            assert (joined.e == joined.g).all(), (date, col)
        ph = day.get("product_holdings")
        psum = (
            money(ph.market_value).groupby(ph.customer_id).sum()
            if ph is not None and len(ph)
            else pd.Series(dtype="int64")
        )
        joined = m["product_value"].to_frame("e").join(psum.rename("g"), how="left").fillna(0)
        assert (joined.e == joined.g).all(), date
        if "trades" in day:
            tr = day["trades"]
            calc = tr.quantity.astype(float) * tr.price.astype(float)
            assert ((calc - tr.amount.astype(float)).abs() <= 0.011).all(), date


def check_market(data: dict[str, dict[str, pd.DataFrame]]) -> None:
    secs = (
        pd.concat([d["securities"] for d in data.values() if "securities" in d])
        .drop_duplicates("security_id", keep="last")
        .set_index("security_id")
    )
    for date, day in data.items():
        biz = dt.date.fromisoformat(date)
        q = day["quotes"].join(secs, on="security_id")
        stocks = q[
            (q.security_type == "stock")
            & ((biz - pd.to_datetime(q.list_date).dt.date).map(lambda d: d.days) > 10)
        ]
        for _, r in stocks.iterrows():
            lim = price_limit(r.board, r.is_st == "true", biz)
            prev, close = float(r.prev_close), float(r.close)
            assert prev * (1 - lim) - 1e-6 <= close <= prev * (1 + lim) + 1e-6, (
                date,
                r.security_id,
                prev,
                close,
                lim,
            )
            assert float(r.low) <= close <= float(r.high)
        ids = {
            "600",
            "601",
            "603",
            "605",
            "000",
            "001",
            "002",
            "003",
            "300",
            "301",
            "688",
            "920",
            "900",
            "200",
        }
        st = q[q.security_type == "stock"]
        assert st.security_id.str[:3].isin(ids).all()


def check_trading_rules(data: dict[str, dict[str, pd.DataFrame]]) -> None:
    """T+1 (sells never exceed the previous day's position plus bonus shares) and lots."""
    secs = (
        pd.concat([d["securities"] for d in data.values() if "securities" in d])
        .drop_duplicates("security_id", keep="last")
        .set_index("security_id")
    )
    prev_pos: dict[tuple[str, str], int] = {}
    for k, (date, day) in enumerate(data.items()):
        tr = day.get("trades")
        bonus: dict[str, float] = {}
        ca = day.get("corporate_actions")
        if ca is not None:
            bonus = dict(
                zip(
                    ca[ca.action_type == "stock_dividend"].security_id,
                    ca[ca.action_type == "stock_dividend"].per_share.astype(float),
                    strict=True,
                )
            )
        if tr is not None and len(tr) and k > 0:
            sells = (
                tr[tr.side == "sell"]
                .groupby(["customer_id", "security_id"])
                .quantity.apply(lambda s: s.astype(int).sum())
            )
            for (c, s_), qty in sells.items():
                held = prev_pos.get((c, s_), 0)
                held += int(held * bonus.get(s_, 0))
                assert qty <= held, (date, c, s_, qty, held)
            buys = tr[(tr.side == "buy") & tr.trade_type.isin(["normal", "margin_buy"])].join(
                secs, on="security_id"
            )
            qty = buys.quantity.astype(int)
            main = buys.board.isin(["main", "chinext"])
            assert (qty[main] % 100 == 0).all(), date
            assert (qty[buys.board == "star"] >= 200).all(), date
            assert (qty[buys.board == "bse"] >= 100).all(), date
        pos = day["positions"]
        prev_pos = dict(
            zip(
                zip(pos.customer_id, pos.security_id, strict=True),
                pos.quantity.astype(int),
                strict=True,
            )
        )


_GENERATED: dict[tuple[tuple[str, object], ...], Path] = {}
_ROOT: list[Path] = []


def generated(**kw: object) -> Path:
    """An output folder for these options (defaults: 400 customers x 8 days), generated once per
    test session and removed at exit. Plain function rather than a fixture: a conftest here would
    shadow the root tests/conftest.py module."""
    key = tuple(sorted(kw.items()))
    if key not in _GENERATED:
        if not _ROOT:
            _ROOT.append(Path(tempfile.mkdtemp(prefix="brokerlens-gen-")))
            atexit.register(shutil.rmtree, _ROOT[0], True)
        out = _ROOT[0] / f"run{len(_GENERATED)}" / "inbox"
        options: dict[str, object] = {"customers": 400, "days": 8, "start": dt.date(2025, 1, 2)}
        options.update(kw)
        generate(GenerateOptions(out=out, **options))  # type: ignore[arg-type]
        _GENERATED[key] = out
    return _GENERATED[key]
