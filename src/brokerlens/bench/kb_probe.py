"""`python -m brokerlens.bench.kb_probe setup|search --home HOME`: the knowledge base's bench
(issue 23 section 2: search over 10,000 articles <= 200 ms).

- `setup --articles N --seed S`: N seeded Chinese articles (`knowledge.sample`) put in the
  store as published ones - the rows an approval leaves: the article, its version 1, its
  audience and tags - about one in six for two roles only and one in six for one branch only;
  a small organisation (head office, 3 regions, 9 branches) is added when the store has none.
- `search --repeat R`: every query of QUERIES (two-character and one-character Chinese words,
  longer ones, several words, a Latin word, a word found nowhere, a tag, a category, no words)
  run R times as head office, a branch manager and a broker of that branch (whose audience
  rules cut the most), each timed in the process through `access.knowledge_search` (the API's
  and the page's call, its audit row included), the first run of each not counted. Prints every
  query's median and worst, the p95 over all and writes `kb-<store>.json` beside the home;
  exits 1 when the p95 is over 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from brokerlens.access.knowledge_search import KbQuery, search_articles
from brokerlens.auth.principal import Principal, Role
from brokerlens.config import load_settings
from brokerlens.console import console
from brokerlens.knowledge.sample import sample_articles
from brokerlens.store import open_store
from brokerlens.store.knowledge_schema import (
    kb_articles,
    kb_audience,
    kb_tags,
    kb_versions,
)
from brokerlens.store.schema import org_units

BENCH_KB_FILE = "kb-{store}.json"
TARGET_MS = 200.0
BATCH = 1_000
REGIONS = ("BR1", "BR2", "BR3")
BRANCHES = tuple(f"BB{n}" for n in range(1, 10))
# (label, query)
QUERIES: list[tuple[str, KbQuery]] = [
    ("两字词 基金", KbQuery(q="基金")),
    ("两字词 客户", KbQuery(q="客户")),
    ("两字词 两融", KbQuery(q="两融")),
    ("一字 债", KbQuery(q="债")),
    ("三字词 可转债", KbQuery(q="可转债")),
    ("四字词 基金定投", KbQuery(q="基金定投")),
    ("长词 请提醒客户", KbQuery(q="请提醒客户")),
    ("两个词 科创板 风险", KbQuery(q="科创板 风险")),
    ("两个两字词 回访 话术", KbQuery(q="回访 话术")),
    ("英文 etf", KbQuery(q="etf")),
    ("无结果 不存在的词语", KbQuery(q="不存在的词语")),
    ("标签 + 词", KbQuery(q="客户", tag="反洗钱")),
    ("分类 + 词", KbQuery(q="风险", category="compliance")),
    ("第 5 页", KbQuery(q="基金", page=5)),
    ("无词，最新", KbQuery()),
]


def _organisation(db: sa.Engine) -> list[str]:
    """The branches articles are written for: the store's, else a small bench organisation."""
    with db.begin() as connection:
        branches = list(
            connection.execute(
                sa.select(org_units.c.unit_id).where(org_units.c.unit_type == "branch")
            ).scalars()
        )
        if branches:
            return sorted(branches)
        rows = [{"unit_id": "BHQ", "parent_id": None, "unit_type": "hq", "name": "总部"}]
        rows += [
            {"unit_id": r, "parent_id": "BHQ", "unit_type": "region", "name": f"分公司{r}"}
            for r in REGIONS
        ]
        rows += [
            {
                "unit_id": b,
                "parent_id": REGIONS[n % len(REGIONS)],
                "unit_type": "branch",
                "name": f"营业部{b}",
            }
            for n, b in enumerate(BRANCHES)
        ]
        connection.execute(org_units.insert(), rows)
    return list(BRANCHES)


def _rows(article_id: int, article: Any, now: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    audience = {"roles": article.roles, "units": article.units}
    return {
        "articles": [
            {
                "article_id": article_id,
                "title": article.title,
                "category": article.category,
                "tags": " ".join(article.tags),
                "body": article.body,
                "status": "published",
                "owner_unit_id": None,
                "latest_version": 1,
                "published_version": 1,
                "created_by": "bench",
                "created_at": now,
                "updated_at": now,
                "published_by": "bench",
                "published_at": now - dt.timedelta(minutes=article_id),
            }
        ],
        "versions": [
            {
                "article_id": article_id,
                "version": 1,
                "title": article.title,
                "category": article.category,
                "tags": article.tags,
                "body": article.body,
                "audience": audience,
                "attachments": [],
                "status": "approved",
                "created_by": "bench",
                "created_at": now,
            }
        ],
        "audience": [{"article_id": article_id, "kind": "role", "value": r} for r in article.roles]
        + [{"article_id": article_id, "kind": "unit", "value": u} for u in article.units],
        "tags": [{"article_id": article_id, "tag": t} for t in article.tags],
    }


def setup(home: Path, articles: int, seed: int) -> int:
    db = open_store(load_settings(home=home))
    branches = _organisation(db)
    with db.connect() as connection:
        have = int(
            connection.execute(sa.select(sa.func.count()).select_from(kb_articles)).scalar_one()
        )
    made = sample_articles(articles, seed, branches)[have:]  # a re-run keeps what is there
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    tables = {
        "articles": kb_articles,
        "versions": kb_versions,
        "audience": kb_audience,
        "tags": kb_tags,
    }
    for start in range(0, len(made), BATCH):
        batch: dict[str, list[dict[str, Any]]] = {k: [] for k in tables}
        for offset, article in enumerate(made[start : start + BATCH]):
            for key, rows in _rows(have + start + offset + 1, article, now).items():
                batch[key] += rows
        with db.begin() as connection:
            for key, table in tables.items():
                if batch[key]:
                    connection.execute(table.insert(), batch[key])
    if db.dialect.name == "postgresql":
        with db.begin() as connection:
            for name in tables.values():
                connection.exec_driver_sql(f"ANALYZE {name.name}")
    seconds = time.perf_counter() - started
    console.print(
        f"{articles:,} knowledge-base articles in the store ({len(made):,} added in "
        f"{seconds:.1f} s, {db.dialect.name})",
        markup=False,
        soft_wrap=True,
    )
    return 0


def _readers(db: sa.Engine) -> dict[str, Principal]:
    with db.connect() as connection:
        branch = connection.execute(
            sa.select(kb_audience.c.value)
            .where(kb_audience.c.kind == "unit")
            .group_by(kb_audience.c.value)
            .order_by(sa.func.count().desc(), kb_audience.c.value)
            .limit(1)
        ).scalar()

    def who(role: Role, unit: str | None) -> Principal:
        return Principal(0, f"bench_{role.value}", "bench", role, unit_id=unit)

    return {
        "总部营销": who(Role.HQ_MARKETING, None),
        "营业部经理": who(Role.BRANCH_MANAGER, branch),
        "经纪人": who(Role.BROKER, branch),
    }


def search(home: Path, repeat: int) -> int:
    db = open_store(load_settings(home=home))
    with db.connect() as connection:
        articles = int(
            connection.execute(sa.select(sa.func.count()).select_from(kb_articles)).scalar_one()
        )
    all_ms: list[float] = []
    report: list[dict[str, Any]] = []
    for label, query in QUERIES:
        for reader, principal in _readers(db).items():
            times, found = [], 0
            for run in range(repeat + 1):
                started = time.perf_counter()
                found = search_articles(db, principal, query).total
                if run:  # the first run warms the caches: not counted
                    times.append((time.perf_counter() - started) * 1000)
            all_ms += times
            row = {
                "query": label,
                "reader": reader,
                "found": found,
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
            }
            report.append(row)
            console.print(
                f"{label:<16} {reader:<6} {found:>6,} found  median {row['median_ms']:6.1f} ms"
                f"  worst {row['max_ms']:6.1f} ms",
                markup=False,
                soft_wrap=True,
            )
    all_ms.sort()
    p95 = all_ms[max(0, int(len(all_ms) * 0.95) - 1)]
    summary = {
        "store": db.dialect.name,
        "articles": articles,
        "searches": len(all_ms),
        "p50_ms": round(statistics.median(all_ms), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(all_ms[-1], 1),
        "target_ms": TARGET_MS,
        "queries": report,
    }
    out = home.parent / BENCH_KB_FILE.format(store=db.dialect.name)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(
        f"{db.dialect.name}: {articles:,} articles, {len(all_ms)} searches: p50 "
        f"{summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, max {summary['max_ms']} ms "
        f"(target p95 <= {TARGET_MS:.0f} ms)",
        markup=False,
        soft_wrap=True,
    )
    return 0 if p95 <= TARGET_MS else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.kb_probe")
    parser.add_argument("step", choices=("setup", "search"))
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.step == "setup":
        return setup(args.home, args.articles, args.seed)
    return search(args.home, args.repeat)


if __name__ == "__main__":
    raise SystemExit(main())
