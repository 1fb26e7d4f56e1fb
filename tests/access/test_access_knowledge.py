"""The knowledge base through the service layer, on SQLite and PostgreSQL (issue 23 section
2): an article is read only once approved, by its audience (a branch's article is invisible to
another branch, a role's to other roles); search in Chinese (two-character words, longer ones,
several, tags, categories, ranking, snippets, wildcards taken literally); versions and the
approval flow; withdrawal; who writes; attachments refused with a clear reason; links from
campaign and call-back scripts; audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access import knowledge as kb
from brokerlens.access.approvals import approve, get_approval, reject, withdraw
from brokerlens.access.knowledge_files import add_attachment, get_attachment, remove_attachment
from brokerlens.access.knowledge_links import (
    article_links,
    link_article,
    linked_articles,
    unlink_article,
)
from brokerlens.access.knowledge_search import KbQuery, popular_tags, search_articles
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.knowledge.attachments import AttachmentRejected
from brokerlens.knowledge.layout import KnowledgeLayout
from brokerlens.store.marketing_schema import campaigns
from brokerlens.store.schema import audit_log

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _published(world: World, author: str, **fields: object) -> kb.Article:
    """An article written by `author`, submitted and approved by compliance."""
    values = {"category": "products", "body": "正文。", **fields}
    made = kb.create_article(world.engine, world.who(author), kb.ArticleInput(**values))  # type: ignore[arg-type]
    asked = kb.submit_article(world.engine, world.who(author), made.article_id)
    done = approve(world.engine, world.settings, world.who("compliance"), asked.request_id, "同意")
    assert done.status == "approved", done.effect
    return kb.get_article(world.engine, world.who(author), made.article_id)


def _found(world: World, who: str, q: str | None = None, **more: object) -> list[str]:
    page = search_articles(world.engine, world.who(who), KbQuery(q=q, **more))  # type: ignore[arg-type]
    return [h.title for h in page.hits]


def _actions(world: World) -> list[str]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action).order_by(audit_log.c.audit_id)
            ).scalars()
        )


def test_a_branch_article_is_read_once_approved_and_only_in_its_branch(world: World) -> None:
    db, branch = world.engine, world.who("branch")
    made = kb.create_article(
        db,
        branch,
        kb.ArticleInput(
            title="上海营业部两融开户指引",
            category="policies",
            body="# 流程\n融资融券开户须**现场**办理。",
            tags="两融 开户",
        ),
    )
    assert made.status == "draft" and made.shown.units == ["B1"]  # a unit's article: its own
    with pytest.raises(NotFound):  # a draft: nobody but its writers
        kb.get_article(db, world.who("broker"), made.article_id)
    assert _found(world, "broker", "两融") == []

    asked = kb.submit_article(db, branch, made.article_id, "请审核")
    assert asked.kind == "kb_publish" and asked.unit_id == "B1"
    for who in ("branch", "region"):  # the requester; a region manager is not head office
        with pytest.raises((Forbidden, NotFound)):
            approve(db, world.settings, world.who(who), asked.request_id)
    with pytest.raises(NotFound):  # still not readable while waiting
        kb.get_article(db, world.who("broker"), made.article_id)
    approve(db, world.settings, world.who("compliance"), asked.request_id, "同意")

    # the broker of T1 (under B1) reads it; the broker of T3 (under B3) does not, not even by search
    read = kb.get_article(db, world.who("broker"), made.article_id)
    assert read.status == "published" and read.version == 1 and not read.may_edit
    assert _found(world, "broker", "两融") == ["上海营业部两融开户指引"]
    assert _found(world, "lead", "两融") == ["上海营业部两融开户指引"]
    with pytest.raises(NotFound):
        kb.get_article(db, world.who("region2"), made.article_id)
    assert _found(world, "region2", "两融") == []
    assert _found(world, "hq", "两融") == ["上海营业部两融开户指引"]  # head office reads all
    # the region above writes it (its unit is below), though it is no reader of B1's articles
    assert kb.get_article(db, world.who("region"), made.article_id).may_edit
    actions = _actions(world)
    for action in ("kb_create", "approval_request", "approval_approve", "kb_publish"):
        assert action in actions, action
    assert actions.count("kb_view") >= 2 and "kb_search" in actions


def test_an_article_for_some_roles_is_read_by_those_roles_only(world: World) -> None:
    made = _published(world, "hq", title="投资顾问市场观点周报", roles=["advisor"])
    assert _found(world, "advisor", "周报") == ["投资顾问市场观点周报"]
    assert _found(world, "broker", "周报") == []
    with pytest.raises(NotFound):
        kb.get_article(world.engine, world.who("broker"), made.article_id)


def test_search_in_chinese_two_characters_longer_words_tags_and_ranking(world: World) -> None:
    _published(
        world, "hq", title="基金定投业务指引", tags=["定投"], body="每月定期买入，平滑成本。"
    )
    _published(world, "hq", title="开户须知", body="客户可同时办理基金账户和定投协议。")
    _published(world, "hq", title="定投基金推荐话术", category="scripts", tags=["话术"])
    _published(world, "hq", title="ETF 交易规则", tags=["场内"], body="费率 0.1%，T+1。")
    _published(world, "hq", title="债券通识", category="market_views", body="利率_下行。")

    # two characters: every article holding it, the title matches first
    assert _found(world, "broker", "基金") == ["定投基金推荐话术", "基金定投业务指引", "开户须知"]
    # four characters: the words as written, in order (not 定投基金)
    assert _found(world, "broker", "基金定投") == ["基金定投业务指引"]
    # two words: both, anywhere
    assert set(_found(world, "broker", "基金 定投")) == {
        "基金定投业务指引",
        "开户须知",
        "定投基金推荐话术",
    }
    assert _found(world, "broker", "债") == ["债券通识"]  # one character
    assert _found(world, "broker", "etf") == ["ETF 交易规则"]  # letter case ignored
    assert _found(world, "broker", "话术") == ["定投基金推荐话术"]  # a tag only
    assert _found(world, "broker", "%") == ["ETF 交易规则"]  # a wildcard is a character
    assert _found(world, "broker", "_") == ["债券通识"]
    assert _found(world, "broker", '"定投" OR 债') == []  # no query syntax reaches the store
    assert _found(world, "broker", "基金", category="scripts") == ["定投基金推荐话术"]
    assert _found(world, "broker", tag="定投") == ["基金定投业务指引"]
    assert len(_found(world, "broker")) == 5  # no words: the newest
    found = search_articles(world.engine, world.who("broker"), KbQuery(q="平滑"))
    marked = [p.text for p in found.hits[0].snippet if p.match]
    assert marked == ["平滑"] and found.total == 1
    assert ("定投", 1) in popular_tags(world.engine, world.who("broker"))


def test_versions_readers_keep_the_published_one_until_the_next_is_approved(
    world: World,
) -> None:
    db, hq = world.engine, world.who("hq")
    first = _published(world, "hq", title="佣金标准", body="万分之二点五。", category="policies")
    edited = kb.update_article(
        db,
        hq,
        first.article_id,
        kb.ArticleInput(
            title="佣金标准（新）", body="万分之二。", category="policies", note="下调"
        ),
    )
    assert edited.version == 2 and edited.shown.status == "draft"
    reader = kb.get_article(db, world.who("broker"), first.article_id)
    assert (reader.version, reader.title) == (1, "佣金标准")  # the published version
    assert _found(world, "broker", "万分之二点五") == ["佣金标准"]
    with pytest.raises(NotFound):  # a reader asks for the draft: none to read
        kb.get_article(db, world.who("broker"), first.article_id, 2)

    asked = kb.submit_article(db, hq, first.article_id)
    with pytest.raises(Conflict, match="waits for approval"):
        kb.update_article(db, hq, first.article_id, kb.ArticleInput("x", "policies", "y"))
    reject(db, world.settings, world.who("compliance"), asked.request_id, "措辞需修改")
    assert kb.get_article(db, hq, first.article_id).status == "published"
    again = kb.submit_article(db, hq, first.article_id)
    with pytest.raises(Forbidden):  # nobody decides their own request
        approve(db, world.settings, hq, again.request_id)
    approve(db, world.settings, world.who("compliance"), again.request_id)
    reader = kb.get_article(db, world.who("broker"), first.article_id)
    assert (reader.version, reader.title) == (2, "佣金标准（新）")
    history = kb.list_versions(db, hq, first.article_id)
    assert [(v.version, v.status, v.published) for v in history] == [
        (2, "approved", True),
        (1, "approved", False),
    ]
    assert get_approval(db, hq, asked.request_id).status == "rejected"
    with pytest.raises(Forbidden):  # the history is the writers'
        kb.list_versions(db, world.who("broker"), first.article_id)
    with pytest.raises(Conflict):  # nothing new to publish
        kb.submit_article(db, hq, first.article_id)


def test_withdrawn_articles_leave_search_and_a_withdrawn_request_leaves_a_draft(
    world: World,
) -> None:
    db, hq = world.engine, world.who("hq")
    made = _published(world, "hq", title="国债逆回购说明")
    kb.withdraw_article(db, hq, made.article_id)
    assert _found(world, "broker", "逆回购") == []
    with pytest.raises(NotFound):
        kb.get_article(db, world.who("broker"), made.article_id)
    assert _found(world, "hq", "逆回购", status="withdrawn") == ["国债逆回购说明"]

    draft = kb.create_article(db, hq, kb.ArticleInput("新股申购", "products", "申购规则。"))
    asked = kb.submit_article(db, hq, draft.article_id)
    assert kb.get_article(db, hq, draft.article_id).status == "pending"
    withdraw(db, world.settings, hq, asked.request_id)
    assert kb.get_article(db, hq, draft.article_id).status == "draft"


def test_who_writes_and_what_audience_they_may_name(world: World) -> None:
    db = world.engine
    text = kb.ArticleInput("标题", "products", "正文")
    with pytest.raises(Forbidden, match="edit_kb"):
        kb.create_article(db, world.who("broker"), text)
    with pytest.raises(Forbidden):
        kb.create_article(db, world.who("admin"), text)
    outside = kb.ArticleInput("标题", "products", "正文", units=["B3"])
    with pytest.raises(kb.KnowledgeRejected, match="outside your unit") as refused:
        kb.create_article(db, world.who("branch"), outside)
    assert refused.value.field == "units"
    for bad, field in (
        (kb.ArticleInput("标题", "nonsense", "正文"), "category"),
        (kb.ArticleInput(" ", "products", "正文"), "title"),
        (kb.ArticleInput("标题", "products", "正文", roles=["admin"]), "roles"),
        (kb.ArticleInput("标题", "products", "正文", units=["NOPE"]), "units"),
        (kb.ArticleInput("标题", "products", "正文", tags=["长" * 40]), "tags"),
    ):
        with pytest.raises(kb.KnowledgeRejected) as refused:
            kb.create_article(db, world.who("hq"), bad)
        assert refused.value.field == field
    made = kb.create_article(db, world.who("branch"), text)
    with pytest.raises(NotFound):  # another branch's writer: not even seen
        kb.update_article(db, world.who("region2"), made.article_id, text)
    published = _published(world, "hq", title="总部制度")
    with pytest.raises(Forbidden, match="not edit"):  # read, not written, by a branch
        kb.update_article(db, world.who("branch"), published.article_id, text)


def test_attachments_refused_with_a_reason_and_read_once_approved(world: World) -> None:
    db, hq, settings = world.engine, world.who("hq"), world.settings
    made = _published(world, "hq", title="产品说明书")
    for name, data, said in (
        ("setup.exe", b"MZ\x90\x00", "不允许的文件类型 .exe"),
        ("说明.pdf", b"just text", "文件内容与扩展名 .pdf 不符"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "文件过大"),
        ("empty.txt", b"", "文件是空的"),
    ):
        with pytest.raises(AttachmentRejected) as refused:
            add_attachment(db, settings, hq, made.article_id, name, data)
        assert refused.value.field == "file" and said in refused.value.zh, name
    saved = add_attachment(db, settings, hq, made.article_id, "../../产品说明书.pdf", PDF)
    (attached,) = saved.attachments
    assert attached.filename == "产品说明书.pdf" and saved.version == 2
    kept = KnowledgeLayout(settings.kb_dir).attachment_file(made.article_id, attached.attachment_id)
    assert kept.read_bytes() == PDF and kept.is_relative_to(Path(settings.home) / "kb")
    reader = world.who("broker")
    with pytest.raises(NotFound):  # version 2 is not approved yet
        get_attachment(db, settings, reader, made.article_id, attached.attachment_id)
    asked = kb.submit_article(db, hq, made.article_id)
    approve(db, settings, world.who("compliance"), asked.request_id)
    found, data = get_attachment(db, settings, reader, made.article_id, attached.attachment_id)
    assert data == PDF and found.content_type == "application/pdf"
    gone = remove_attachment(db, hq, made.article_id, attached.attachment_id)
    assert gone.attachments == [] and gone.version == 3
    assert {"kb_attach", "kb_download", "kb_detach"} <= set(_actions(world))


def test_links_from_campaign_and_call_back_scripts(world: World) -> None:
    db = world.engine
    article = _published(world, "hq", title="两融开通邀约话术", category="scripts")
    draft = kb.create_article(db, world.who("hq"), kb.ArticleInput("草稿", "scripts", "正文"))
    now = dt.datetime.now(dt.UTC)
    with db.begin() as connection:
        campaign_id = connection.execute(
            campaigns.insert()
            .values(
                name="两融邀约",
                goal="permission",
                source_kind="segment",
                source_id="1",
                window_start=dt.date(2025, 3, 17),
                window_end=dt.date(2025, 4, 17),
                channel="phone",
                holdout_share=0.1,
                seed=1,
                status="draft",
                owner_user_id=1,
                owner_unit_id=None,
                created_by="hq",
                created_at=now,
            )
            .returning(campaigns.c.campaign_id)
        ).scalar_one()
    ref = str(campaign_id)
    with pytest.raises(Forbidden):  # a broker does not run head office's campaign
        link_article(db, world.who("broker"), "campaign", ref, article.article_id)
    with pytest.raises(Conflict, match="published"):
        link_article(db, world.who("hq"), "campaign", ref, draft.article_id)
    made = link_article(db, world.who("hq"), "campaign", ref, article.article_id)
    with pytest.raises(Conflict):
        link_article(db, world.who("hq"), "campaign", ref, article.article_id)
    shown = linked_articles(db, world.who("broker"), "campaign", ref)
    assert [a.title for a in shown] == ["两融开通邀约话术"]

    with pytest.raises(Forbidden, match="callbacks"):
        link_article(db, world.who("hq"), "callback_script", "new_account", article.article_id)
    link_article(db, world.who("compliance"), "callback_script", "new_account", article.article_id)
    with pytest.raises(kb.KnowledgeRejected):
        link_article(db, world.who("compliance"), "callback_script", "nonsense", article.article_id)
    assert [
        a.title for a in linked_articles(db, world.who("hq"), "callback_script", "new_account")
    ] == ["两融开通邀约话术"]
    assert len(article_links(db, world.who("hq"), article.article_id)) == 2
    unlink_article(db, world.who("hq"), made.link_id)
    assert linked_articles(db, world.who("broker"), "campaign", ref) == []
    kb.withdraw_article(db, world.who("hq"), article.article_id)  # a withdrawn one: not listed
    assert linked_articles(db, world.who("hq"), "callback_script", "new_account") == []
    assert {"kb_link", "kb_unlink"} <= set(_actions(world))
