"""Seeded sample articles in Chinese, for the bench (10,000 of them) and the tests: a title,
a category, two to four tags and a Markdown body of a few hundred to about 1,500 characters
made from a brokerage's vocabulary (products, policies, scripts, compliance, market views).
The same seed gives the same articles."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

TOPICS: dict[str, tuple[str, ...]] = {
    "products": (
        "货币基金", "债券基金", "指数基金", "混合基金", "ETF", "可转债", "国债逆回购",
        "收益凭证", "资管计划", "科创板", "创业板", "北交所", "港股通", "融资融券", "股票期权",
        "基金定投", "现金管理", "新股申购",
    ),
    "policies": (
        "开户", "销户", "风险测评", "投资者分类", "佣金标准", "转托管", "密码重置",
        "三方存管", "银证转账", "账户冻结", "资料变更", "适当性匹配", "专业投资者认定",
        "休眠账户",
    ),
    "scripts": (
        "新客户欢迎", "客户回访", "电话营销", "休眠客户激活", "产品推荐", "异议处理",
        "投诉安抚", "生日关怀", "两融开通邀约", "基金定投推荐", "到期提醒", "资产配置建议",
    ),
    "compliance": (
        "反洗钱", "适当性管理", "双录", "禁止承诺收益", "信息披露", "客户隐私保护",
        "廉洁从业", "内幕交易防范", "异常交易监控", "营销宣传规范", "投诉处理时限",
        "从业资格",
    ),
    "market_views": (
        "宏观经济", "货币政策", "降准降息", "利率走势", "行业轮动", "新能源", "半导体",
        "消费升级", "医药板块", "估值修复", "北向资金", "成交量", "红利策略", "债市展望",
    ),
}  # fmt: skip
WHO = ("稳健型客户", "激进型客户", "新开户客户", "高净值客户", "年轻客户", "退休客户", "机构客户")
ADJECTIVES = ("灵活", "稳健", "低门槛", "流动性好", "风险较高", "费用透明", "适合长期持有")
ACTIONS = (
    "核对身份证件", "完成风险测评", "阅读风险揭示书", "签署相关协议", "确认联系方式",
    "关注产品净值变化", "了解交易规则", "保留业务凭证",
)  # fmt: skip
SENTENCES = (
    "{topic}是一种{adj}的业务，适合{who}了解。",
    "办理{topic}时，请提醒客户{action}，并如实记录沟通内容。",
    "向{who}介绍{topic}，应说明其风险与收益特征，不得承诺收益。",
    "{topic}近期关注度上升，营业部可结合{other}开展服务。",
    "对于{who}，建议先从{topic}入手，再逐步了解{other}。",
    "如客户对{topic}有疑问，可参考本文的常见问题，或联系总部{dept}。",
    "{topic}的办理时间为交易日九点至十五点，特殊情况以公告为准。",
    "与{other}相比，{topic}在{adj}方面更有优势。",
)
DEPARTMENTS = ("营销管理部", "合规部", "客户服务中心", "投资顾问部", "运营管理部")
TITLES = (
    "{topic}业务指引",
    "{topic}常见问题解答",
    "关于{topic}的说明",
    "{topic}服务话术（{who}）",
    "{topic}与{other}对比",
    "{topic}操作手册",
    "{topic}要点速览",
)
ROLES = ("broker", "advisor", "team_lead", "branch_manager")


@dataclass(frozen=True)
class SampleArticle:
    title: str
    category: str
    tags: list[str]
    body: str
    roles: list[str] = field(default_factory=list)  # the audience: empty = every role
    units: list[str] = field(default_factory=list)  # empty = every unit


def _sentence(draw: random.Random, topic: str, pool: tuple[str, ...]) -> str:
    return draw.choice(SENTENCES).format(
        topic=topic,
        other=draw.choice(pool),
        adj=draw.choice(ADJECTIVES),
        who=draw.choice(WHO),
        action=draw.choice(ACTIONS),
        dept=draw.choice(DEPARTMENTS),
    )


def _body(draw: random.Random, topic: str, pool: tuple[str, ...]) -> str:
    parts = [_sentence(draw, topic, pool) for _ in range(draw.randint(3, 5))]
    for number in range(draw.randint(2, 5)):
        parts.append(f"\n## {number + 1}. {draw.choice(pool)}\n")
        parts += [_sentence(draw, draw.choice(pool), pool) for _ in range(draw.randint(2, 5))]
        if draw.random() < 0.4:
            parts += [f"\n- {draw.choice(ACTIONS)}" for _ in range(draw.randint(2, 4))]
            parts.append("\n")
    return "".join(parts).strip()


def sample_articles(n: int, seed: int, units: list[str] | None = None) -> list[SampleArticle]:
    """`n` articles, the same for the same seed; about one in six for some roles only and,
    given `units`, one in six for one of those units only."""
    draw = random.Random(seed)
    out = []
    categories = sorted(TOPICS)
    for _ in range(n):
        category = draw.choice(categories)
        pool = TOPICS[category]
        topic = draw.choice(pool)
        title = draw.choice(TITLES).format(
            topic=topic, other=draw.choice(pool), who=draw.choice(WHO)
        )
        tags = list(dict.fromkeys([topic, *draw.sample(pool, draw.randint(1, 3))]))
        roles = sorted(draw.sample(ROLES, 2)) if draw.random() < 1 / 6 else []
        unit = [draw.choice(units)] if units and draw.random() < 1 / 6 else []
        out.append(SampleArticle(title, category, tags, _body(draw, topic, pool), roles, unit))
    return out
