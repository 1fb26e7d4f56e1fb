"""An installation's classification and alert over its own indicators (cash_share_t,
cash_share_pct, industry_or_none), shared by the registry and run tests."""

CLASSIFICATION = """
  - id: cash_heavy
    zh: 现金型
    en: Cash heavy
    meaning: by the installation's cash share
    rules:
      - {value: 高, when: "cash_share_pct >= 50"}
      - {value_from: industry_or_none, when: "cash_share_t < 0.5"}
    default: 未知
"""

ALERTS = """\
alerts:
  - id: cash_pile
    zh: 现金堆积
    en: Cash pile
    meaning: most of the assets are cash
    params: {min_share: 0.9}
    when: cash_share_t >= min_share AND total_assets_t > 0
    shows: [cash_share_t, total_assets_t]
    text_zh: 现金占比 {cash_share_t:pct}
    text_en: "Cash share {cash_share_t:pct}"
"""
