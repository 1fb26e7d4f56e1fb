"""The built-in KPI metrics: what each one measures, whom a customer counts for, its unit.

Every metric is one SQL file (`sql/metric_<id>.sql`) giving the customers behind it per staff
member: (staff_id, customer_id, role, weight, amount, credited). A `sum` metric's value is the
sum of `credited`; a `rate` metric's value is sum(credited) / sum(weight).

Attribution (decided here, documented in docs/brokers.md):
- acquisition and money (new customers, new effective customers, net asset inflow, net
  commission, product sales): the developer role in the ledger, share-weighted: a customer
  developed 60/40 counts 0.6 and 0.4, so the staff's figures add up to the brokerage's;
- service (assets under service, active-customer rate): the servicer and advisor roles,
  share-weighted (a broker serves, an advisor advises: each is scored on their own book);
- contacts (service contacts, call-back completion): the staff member who made the contact
  (contacts.staff_id), whoever holds the customer.
- training (training completion, issue 23): the staff member's own required courses and exams
  (`brokers.training.items`, read from the store when the step runs): its detail rows are those
  items (`customer_id` holds `course:<id>` or `exam:<id>`), not customers.
A customer counts for whoever holds the role at the end of the period (the month's last loaded
day, or T for the month to date). A team lead is scored on their team: their own figures and
those of the other staff of their unit (`sql/kpi_credit.sql`, `team_members`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Kind = Literal["sum", "rate"]
Unit = Literal["customers", "yuan", "rate", "contacts"]

# A new customer is "effective" once this much came in by bank transfer within the period.
EFFECTIVE_FUNDING_YUAN = Decimal(10_000)


@dataclass(frozen=True)
class Metric:
    id: str
    zh: str
    en: str
    kind: Kind
    unit: Unit
    role: str  # developer, servicer (or advisor), contact (who made it) or training (their own)
    meaning_zh: str
    meaning_en: str

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh

    @property
    def sql_name(self) -> str:
        return f"metric_{self.id}"


METRICS: dict[str, Metric] = {
    m.id: m
    for m in (
        Metric(
            "new_customers",
            "新开户数",
            "New customers",
            "sum",
            "customers",
            "developer",
            "期内开户的客户（按开发关系份额计）",
            "customers who opened an account in the period (developer share)",
        ),
        Metric(
            "new_effective_customers",
            "新增有效户",
            "New effective customers",
            "sum",
            "customers",
            "developer",
            "期内开户且银证转入不少于 1 万元的客户（按开发关系份额计）",
            "new customers with at least 10,000 yuan transferred in within the period",
        ),
        Metric(
            "net_asset_inflow",
            "资产净流入",
            "Net asset inflow",
            "sum",
            "yuan",
            "developer",
            "银证转入减转出（元，按开发关系份额计）",
            "bank transfers in minus out, in yuan (developer share)",
        ),
        Metric(
            "assets_under_service",
            "服务资产",
            "Assets under service",
            "sum",
            "yuan",
            "servicer",
            "期末服务（或投顾）客户的总资产（元，按关系份额计）",
            "total assets at the period's end of the customers served or advised (by share)",
        ),
        Metric(
            "net_commission",
            "净佣金",
            "Net commission",
            "sum",
            "yuan",
            "developer",
            "客户期内交易的净佣金（元，按开发关系份额计）",
            "the customers' net commission in the period, in yuan (developer share)",
        ),
        Metric(
            "product_sales",
            "产品销量",
            "Product sales",
            "sum",
            "yuan",
            "developer",
            "客户期内认购、申购的产品金额（元，按开发关系份额计）",
            "products subscribed and purchased in the period, in yuan (developer share)",
        ),
        Metric(
            "active_rate",
            "活跃客户率",
            "Active-customer rate",
            "rate",
            "rate",
            "servicer",
            "服务（或投顾）客户中期内有交易的比例（按关系份额加权）",
            "share of the customers served or advised who traded in the period (by share)",
        ),
        Metric(
            "service_contacts",
            "服务触达次数",
            "Service contacts",
            "sum",
            "contacts",
            "contact",
            "本人期内的服务、关怀、营销联系次数",
            "the staff member's service, care and marketing contacts in the period",
        ),
        Metric(
            "callback_completion",
            "回访完成率",
            "Call-back completion",
            "rate",
            "rate",
            "contact",
            "本人期内回访联系中接通或完成的比例",
            "share of the staff member's call-back contacts reached or done",
        ),
        Metric(
            "training_completion",
            "培训完成率",
            "Training completion",
            "rate",
            "rate",
            "training",
            "期末前已到期的必修课程与考试中，本人已完成或通过的比例",
            "share of the required courses and exams due by the period's end that the staff "
            "member completed or passed by then",
        ),
    )
}
