"""Interface text in Chinese (the default) and English, chosen by the `lang` cookie.

Templates call `t("message.id")`; a missing id shows the id itself, so a gap is visible rather
than silent. Data values (classification labels, names) are not translated here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from brokerlens.indicators import Indicator, builtin_indicators

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "lang"

# id -> (zh, en)
MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "app.name": ("brokerlens", "brokerlens"),
    "app.tagline": ("券商客户分析与营销平台", "Customer analytics for securities brokerages"),
    "top.as_of": ("数据日期", "As of"),
    "top.no_snapshot": ("尚未发布数据", "Nothing published yet"),
    "top.logout": ("退出", "Sign out"),
    "top.password": ("修改密码", "Change password"),
    "top.lang": ("English", "中文"),
    "nav.home": ("工作台", "Workbench"),
    "nav.customers": ("客户", "Customers"),
    "nav.segments": ("客户群", "Segments"),
    "nav.catalog": ("分类目录", "Catalog"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.users": ("用户管理", "Users"),
    "nav.org": ("组织架构", "Organisation"),
    "nav.api": ("API 文档", "API docs"),
    # login
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("登录失败", "Sign-in failed"),
    "login.expired": ("会话已结束，请重新登录", "Your session has ended; please sign in again"),
    "login.csrf": ("表单已过期，请重试", "The form expired; please try again"),
    # account: the user's own password
    "pw.title": ("修改密码", "Change password"),
    "pw.required": (
        "您的密码已被重置或为临时密码，请先修改密码后再继续使用。",
        "Your password was reset or is temporary: change it before you go on.",
    ),
    "pw.old": ("当前密码", "Current password"),
    "pw.new": ("新密码", "New password"),
    "pw.again": ("再次输入新密码", "New password again"),
    "pw.rules": (
        "至少 {n} 个字符，包含小写字母、大写字母、数字、符号中的至少 {kinds} 类，且不含用户名。",
        "At least {n} characters, {kinds} of 4 kinds (lower, upper, digits, symbols), "
        "not containing the username.",
    ),
    "pw.submit": ("修改密码", "Change password"),
    "pw.wrong_old": ("当前密码错误", "The current password is wrong"),
    "pw.mismatch": ("两次输入的新密码不一致", "The two new passwords differ"),
    "pw.same": ("新密码不能与当前密码相同", "The new password must differ from the current one"),
    "pw.policy": ("新密码不符合要求：", "The new password does not meet the policy:"),
    "pw.changed": (
        "密码已修改，您在其他设备上的登录已退出。",
        "Password changed; your other sessions were signed out.",
    ),
    # roles
    "role.broker": ("营销代表/经纪人", "Broker"),
    "role.advisor": ("投资顾问", "Investment advisor"),
    "role.team_lead": ("团队长", "Team lead"),
    "role.branch_manager": ("营业部经理", "Branch manager"),
    "role.region_manager": ("分公司负责人", "Region manager"),
    "role.hq_marketing": ("总部营销管理岗", "HQ marketing"),
    "role.compliance": ("合规", "Compliance"),
    "role.admin": ("系统管理员", "Administrator"),
    # home
    "home.title": ("工作台", "Workbench"),
    "home.my_customers": ("我的客户", "My customers"),
    "home.by_tier": ("按客户级别", "By customer tier"),
    "home.total_assets": ("总资产", "Total assets"),
    "home.customers": ("客户数", "Customers"),
    "home.trend": ("资产走势", "Assets trend"),
    "home.changes": ("较上一日变化", "Changes since the previous day"),
    "home.no_changes": ("没有变化", "No changes"),
    "home.admin": (
        "系统管理员不查看客户数据。请在“用户管理”中维护账号。",
        "Administrators see no customer data. Manage accounts under Users.",
    ),
    "home.nothing": (
        "尚未发布数据：请先运行 brokerlens run",
        "Nothing published yet: run brokerlens run",
    ),
    "change.field": ("项目", "Field"),
    "change.old": ("原值", "Before"),
    "change.new": ("新值", "After"),
    "change.new_customer": ("新客户", "New customer"),
    "change.closed": ("销户", "Closed"),
    # customers
    "cust.title": ("客户列表", "Customers"),
    "cust.id": ("客户号", "Customer"),
    "cust.name": ("姓名", "Name"),
    "cust.branch": ("营业部", "Branch"),
    "cust.team": ("团队", "Team"),
    "cust.staff": ("员工", "Staff"),
    "cust.search": ("搜索客户号/姓名", "Search id or name"),
    "cust.filters": ("筛选", "Filters"),
    "cust.apply": ("查询", "Apply"),
    "cust.reset": ("重置", "Reset"),
    "cust.any": ("全部", "Any"),
    "cust.min": ("最小", "min"),
    "cust.max": ("最大", "max"),
    "cust.total": ("共 {n} 位客户", "{n} customers"),
    "cust.page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "cust.prev": ("上一页", "Previous"),
    "cust.next": ("下一页", "Next"),
    "cust.save_segment": ("存为客户群", "Save as segment"),
    "cust.export": ("导出 CSV", "Export CSV"),
    "cust.none": ("没有符合条件的客户", "No customers match"),
    "cust.classifications": ("分类", "Classifications"),
    "cust.indicators": ("指标区间", "Indicator ranges"),
    "cust.org": ("机构与人员", "Branch, team, staff"),
    # lists: amount filters, paging, exports (issue 15)
    "cust.unit.amount": ("（元）", " (yuan)"),
    "cust.unit.percent": ("（%）", " (%)"),
    "cust.min_hint.amount": ("最小，如 100万", "min, e.g. 1000000"),
    "cust.max_hint.amount": ("最大，如 1.5亿", "max, e.g. 150000000"),
    "cust.min_hint.percent": ("最小，如 -10%", "min, e.g. -10%"),
    "cust.max_hint.percent": ("最大，如 50%", "max, e.g. 50%"),
    "cust.range_bad.amount": (
        "“{value}”不是金额：请填数字，可带 万/亿，如 100万、1.5亿、2,000,000",
        "“{value}” is not an amount: type a number, e.g. 1000000",
    ),
    "cust.range_bad.percent": (
        "“{value}”不是百分比：请填数字，如 5%、-10%",
        "“{value}” is not a percentage: type a number, e.g. 5% or -10%",
    ),
    "cust.range_order": ("最小值大于最大值", "The minimum is above the maximum"),
    "cust.range_errors": (
        "有筛选条件无法识别，其余条件已保留，请修改标红处：",
        "A filter could not be read (the others are kept); correct the field marked:",
    ),
    "export.csv": ("导出 CSV", "Export CSV"),
    "export.xlsx": ("导出 Excel", "Export Excel"),
    "export.codes": ("原始代码（供系统使用）", "Raw codes (for systems)"),
    "export.codes_hint": (
        "列名与取值用系统代码（英文代码），不转换为中文",
        "Column names and values as system codes, not labels",
    ),
    "export.sheet": ("数据{n}", "Data {n}"),
    "list.total": ("共 {n} 条", "{n} in all"),
    "list.page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "list.prev": ("上一页", "Previous"),
    "list.next": ("下一页", "Next"),
    "list.first": ("首页", "First"),
    "list.last": ("末页", "Last"),
    "list.filter": ("筛选", "Filter"),
    "list.any": ("全部", "Any"),
    "list.none": ("没有符合条件的记录", "Nothing matches"),
    "export.yes": ("是", "Yes"),
    "export.no": ("否", "No"),
    "export.col.days_left": ("剩余天数", "Days left"),
    "export.col.allowed": ("可匹配最高等级", "Highest grade matched"),
    "export.col.item_id": ("证券/产品代码", "Security / product id"),
    "export.col.item_name": ("证券/产品名称", "Security / product name"),
    "export.col.item_kind": ("品种", "Kind"),
    "export.item_kind.security": ("证券", "Security"),
    "export.item_kind.product": ("金融产品", "Product"),
    "export.col.as_of_date": ("数据日期", "Data date"),
    "export.col.alert_id": ("提醒代码", "Alert id"),
    "export.col.alert_name": ("提醒", "Alert"),
    "export.col.explanation": ("说明", "Why it fired"),
    "export.col.status_by": ("处理人", "Handled by"),
    "export.col.status_at": ("处理时间", "Handled at"),
    "export.col.note": ("备注", "Note"),
    "export.col.rank": ("排名", "Rank"),
    "export.col.kind": ("类型", "Kind"),
    "export.col.basis": ("判定依据", "Basis"),
    "export.col.score": ("激活价值", "Value"),
    "export.col.servicer_id": ("服务人员", "Served by"),
    "export.col.age": ("年龄", "Age"),
    "export.col.tenure_years": ("开户年限（年）", "Years since opening"),
    "export.col.cash": ("现金余额", "Cash"),
    "export.col.total_assets": ("总资产", "Total assets"),
    "export.col.peak_assets": ("历史最高资产", "Peak assets"),
    "export.col.last_trade_month": ("最近交易月份", "Last trade month"),
    "export.col.last_contact_date": ("最近联系日期", "Last contact"),
    "export.col.recent_inflow": ("近期转入", "Recent inflow"),
    "export.col.reasons": ("理由", "Reasons"),
    "export.col.id_type": ("证件类型", "ID type"),
    "export.col.region_id": ("所属区域", "Region"),
    "export.col.close_date": ("销户日期", "Closed on"),
    "export.col.catalog_version": ("分类口径版本", "Catalog version"),
    "export.id_type.id_card": ("身份证", "ID card"),
    "export.id_type.passport": ("护照", "Passport"),
    "export.id_type.hk_mo_pass": ("港澳通行证", "HK/Macao pass"),
    "export.id_type.business_license": ("营业执照", "Business licence"),
    "export.id_type.other": ("其他", "Other"),
    "export.default": ("默认", "Default"),
    "suit.key.findings": ("类型", "Kind"),
    "suit.key.validity": ("状态", "State"),
    "suit.key.holdings": ("风险等级", "Grade"),
    "suit.export_hint": ("导出当前筛选下的全部记录", "Export every row of the filters"),
    # customer 360
    "c360.profile": ("基本信息", "Profile"),
    "c360.classifications": ("客户分类", "Classifications"),
    "c360.why": ("为什么", "Why"),
    "c360.assets_curve": ("资产曲线与沪深300", "Assets against the CSI 300"),
    "c360.asset_mix": ("资产结构", "Asset mix"),
    "c360.pnl": ("盈亏", "Profit and loss"),
    "c360.positions": ("持仓", "Positions"),
    "c360.trades": ("近期成交", "Recent trades"),
    "c360.transfers": ("银证转账", "Transfers"),
    "c360.products": ("产品持有", "Product holdings"),
    "c360.risk": ("风险测评", "Risk assessment"),
    "c360.agreements": ("协议", "Agreements"),
    "c360.contacts": ("服务记录", "Contacts"),
    "c360.relationships": ("服务关系", "Relationships"),
    "c360.indicators": ("指标", "Indicators"),
    "c360.reveal": ("查看明文", "Reveal"),
    "c360.reason": ("查看原因（必填，将记入审计）", "Reason (required, audited)"),
    "c360.reason_required": ("请填写查看原因", "A reason is required"),
    "c360.empty": ("无记录", "None"),
    "c360.expired": ("已过期", "Expired"),
    "c360.answers": ("答题明细", "Answers"),
    "c360.rule": ("规则", "Rule"),
    "c360.matched": ("命中", "matched"),
    "c360.not_matched": ("未命中", "not matched"),
    "c360.default": ("默认值：无规则命中", "Default: no rule matched"),
    "c360.index": ("沪深300", "CSI 300"),
    "c360.assets": ("总资产", "Total assets"),
    # customer 360 (issue 15)
    "c360.period": ("区间", "Period"),
    "c360.period.1m": ("近1月", "1 month"),
    "c360.period.3m": ("近3月", "3 months"),
    "c360.period.6m": ("近6月", "6 months"),
    "c360.period.1y": ("近1年", "1 year"),
    "c360.period.all": ("全部", "All"),
    "c360.assets_change": ("总资产（较期初）", "Total assets (vs start)"),
    "c360.index_change": ("沪深300（较期初）", "CSI 300 (vs start)"),
    "c360.curve_note": (
        "两条线均以区间首日为0%；总资产的变化含转入转出",
        "Both lines start at 0% on the period's first day; assets include transfers",
    ),
    "c360.pnl_daily": ("当日盈亏", "Daily P&L"),
    "c360.pnl_cumulative": ("累计盈亏", "Cumulative P&L"),
    "c360.pnl_note": (
        "当日盈亏 = 总资产变化 − 当日净转入",
        "Daily P&L = change in assets − net transfers in",
    ),
    "c360.no_data": ("无数据", "No data"),
    "c360.branch": ("营业部", "Branch"),
    "c360.region": ("区域", "Region"),
    "c360.item": ("证券", "Security"),
    "c360.product": ("产品", "Product"),
    "c360.item_type": ("类别", "Type"),
    "c360.quantity": ("数量", "Quantity"),
    "c360.units": ("份额", "Units"),
    "c360.cost": ("成本（元）", "Cost (CNY)"),
    "c360.market_value": ("市值（元）", "Market value (CNY)"),
    "c360.unrealised": ("浮动盈亏（元）", "Unrealised P&L (CNY)"),
    "c360.return": ("收益率", "Return"),
    "c360.grade": ("风险等级", "Risk grade"),
    "c360.total": ("合计", "Total"),
    "c360.above": ("高于适当性", "Above class"),
    "c360.above_title": (
        "风险等级 {grade} 高于客户 {klass} 可匹配的 {allowed}",
        "Risk grade {grade} above the {allowed} that class {klass} matches",
    ),
    "c360.above_unassessed": (
        "无有效风险测评：风险等级 {grade} 不得匹配",
        "No valid risk assessment: grade {grade} cannot be matched",
    ),
    "c360.above_count": (
        "{n} 项持有高于客户风险承受能力（{klass}，可匹配至 {allowed}）",
        "{n} holdings above the customer's class ({klass}, matches up to {allowed})",
    ),
    "c360.above_count_unassessed": (
        "{n} 项持有无有效风险测评可匹配",
        "{n} holdings without a valid risk assessment to match",
    ),
    "c360.within_class": (
        "持有均在客户风险承受能力（{klass}，可匹配至 {allowed}）以内",
        "Every holding within the customer's class ({klass}, matches up to {allowed})",
    ),
    "c360.professional_exempt": (
        "专业投资者：不受产品风险等级匹配限制",
        "Professional investor: not limited by product risk grade matching",
    ),
    "c360.ind_count": ("{n} 项", "{n} items"),
    "c360.theme.assets": ("资产", "Assets"),
    "c360.theme.commission": ("佣金与贡献", "Commission and contribution"),
    "c360.theme.trading": ("交易与持有", "Trading and holding"),
    "c360.theme.returns": ("收益", "Returns"),
    "c360.theme.holdings": ("持仓与偏好", "Holdings and preference"),
    "c360.theme.risk": ("风险等级", "Risk"),
    "c360.theme.events": ("事件与活动", "Events and activity"),
    "c360.theme.other": ("其他", "Other"),
    # fields
    "field.customer_type": ("客户类型", "Type"),
    "field.id_no": ("证件号码", "ID number"),
    "field.phone": ("手机", "Phone"),
    "field.email": ("邮箱", "E-mail"),
    "field.city": ("城市", "City"),
    "field.open_date": ("开户日期", "Opened"),
    "field.status": ("状态", "Status"),
    "field.investor_class": ("投资者分类", "Investor class"),
    "field.total_assets_t": ("总资产", "Total assets"),
    "field.gender": ("性别", "Gender"),
    "field.birth_date": ("出生日期", "Born"),
    "field.age_band": ("年龄段", "Age band"),
    "field.open_channel": ("开户渠道", "Channel"),
    # segments
    "seg.title": ("客户群", "Segments"),
    "seg.new": ("新建客户群", "New segment"),
    "seg.name": ("名称", "Name"),
    "seg.description": ("说明", "Description"),
    "seg.visibility": ("可见范围", "Visibility"),
    "seg.private": ("仅自己", "Private"),
    "seg.unit": ("共享给机构", "Shared with unit"),
    "seg.conditions": ("条件", "Conditions"),
    "seg.add_condition": ("添加条件", "Add condition"),
    "seg.remove": ("删除", "Remove"),
    "seg.count": ("符合客户", "Matching customers"),
    "seg.live_count": ("实时人数", "Live count"),
    "seg.save": ("保存", "Save"),
    "seg.delete": ("删除客户群", "Delete segment"),
    "seg.members": ("成员", "Members"),
    "seg.owner": ("创建人", "Owner"),
    "seg.updated": ("更新时间", "Updated"),
    "seg.none": ("还没有客户群", "No segments yet"),
    "seg.export": ("导出成员", "Export members"),
    "seg.field": ("字段", "Field"),
    "seg.op": ("条件", "Operator"),
    "seg.value": ("值", "Value"),
    # segments (issue 15)
    "seg.group.classification": ("客户分类", "Classifications"),
    "seg.group.indicator": ("指标", "Indicators"),
    "seg.group.customer": ("客户资料", "Customer data"),
    "seg.shared_with": ("共享给 {unit}", "Shared with {unit}"),
    # catalog
    "cat.title": ("分类目录", "Classification catalog"),
    "cat.version": ("版本", "Version"),
    "cat.rules": ("规则", "Rules"),
    "cat.default": ("默认", "Default"),
    "cat.preview": ("预览变更", "Preview the change"),
    "cat.yaml": ("目录 YAML", "Catalog YAML"),
    "cat.moved": ("变动客户", "Customers moved"),
    "cat.unchanged": ("未变化", "Unchanged"),
    "cat.status": ("状态", "Status"),
    "cat.from": ("原分类", "From"),
    "cat.to": ("新分类", "To"),
    "cat.hq_only": ("仅总部营销管理岗可预览目录变更", "Only HQ marketing may preview changes"),
    # catalog and why (issue 15)
    "cat.version_default": ("系统默认目录（未修改）", "the shipped default catalog"),
    "cat.version_n": ("第 {n} 版", "version {n}"),
    "cat.version_local": ("本地目录文件（未经应用登记）", "a local catalog file (not applied)"),
    "cat.data_by": ("当前数据 {date} 按{version}分类", "data of {date} classified by {version}"),
    "cat.data_date": ("当前数据日期 {date}", "data of {date}"),
    "cat.pending": ("现行目录将在下次计算后生效", "the current catalog applies from the next run"),
    "cat.help": (
        "每个分类按顺序判断规则，第一条成立的规则决定客户的分类值；都不成立时取最后一行的值。",
        "Rules are tried in order; the first that holds gives the value, else the last row's.",
    ),
    "cat.condition": ("条件", "Condition"),
    "cat.value": ("分类值", "Value"),
    "cat.otherwise": ("以上条件都不成立时", "None of the above"),
    "cat.advanced_rules": ("高级：规则表达式", "Advanced: rule expressions"),
    "cat.advanced_editor": ("高级：编辑分类目录（YAML）并预览变更", "Advanced: edit the catalog"),
    "cat.editor_help": (
        "修改后先预览将有多少客户改变分类；预览不改变任何数据。",
        "Preview who would move first; a preview changes nothing.",
    ),
    "cat.status_changed": ("规则有变", "changed"),
    "cat.status_added": ("新增", "added"),
    "cat.status_removed": ("删除", "removed"),
    "why.by_rule": ("由规则 {n} 决定", "by rule {n}"),
    "why.by_default": ("没有规则成立，取默认值", "no rule held: the default"),
    "why.rule_n": ("规则 {n}", "Rule {n}"),
    "why.held": ("成立", "holds"),
    "why.failed": ("不成立", "does not hold"),
    "why.earlier": ("此前 {n} 条规则不成立（展开）", "{n} earlier rules did not hold (show)"),
    "why.decided": (
        "（任一条件成立即可，由第 {parts} 条决定）",
        "(any one suffices: {parts} held)",
    ),
    # audit
    "audit.title": ("审计日志", "Audit log"),
    "audit.at": ("时间", "Time"),
    "audit.user": ("用户", "User"),
    "audit.role": ("角色", "Role"),
    "audit.action": ("操作", "Action"),
    "audit.customer": ("客户", "Customer"),
    "audit.customers": ("客户数", "Customers"),
    "audit.detail": ("详情", "Detail"),
    "audit.from": ("开始日期", "From"),
    "audit.to": ("结束日期", "To"),
    "audit.ip": ("IP", "IP"),
    # audit (issue 15)
    "audit.raw": ("原始记录", "Raw record"),
    "audit.total": ("共 {n} 条记录", "{n} records"),
    "audit.more_customers": ("等 {n} 位", "and {n} more"),
    # users
    "users.title": ("用户管理", "Users"),
    "users.add": ("新增用户", "Add user"),
    "users.username": ("用户名", "Username"),
    "users.display_name": ("显示名", "Display name"),
    "users.role": ("角色", "Role"),
    "users.staff_id": ("员工号", "Staff id"),
    "users.unit_id": ("机构号", "Unit id"),
    "users.active": ("状态", "Status"),
    "users.enabled": ("启用", "Active"),
    "users.disabled": ("停用", "Disabled"),
    "users.disable": ("停用", "Disable"),
    "users.enable": ("启用", "Enable"),
    "users.reset": ("重置密码", "Reset password"),
    "users.temp_password": ("临时密码（只显示一次）", "Temporary password (shown once)"),
    "users.password": ("初始密码", "Initial password"),
    "users.permissions": ("附加权限", "Extra permissions"),
    # users (issue 15)
    "users.none": ("无", "None"),
    # org
    "org.title": ("组织架构", "Organisation"),
    "org.staff": ("员工", "Staff"),
    "org.position": ("岗位", "Position"),
    # org (issue 15)
    "org.unit_type": ("机构类型", "Unit type"),
    "org.staff_count": ("{n} 人", "{n} staff"),
    "org.pick_unit": ("在左侧选择一个机构查看其员工", "Pick a unit on the left to see its staff"),
    # suitability (适当性): the 360's panel and the compliance page
    "nav.suitability": ("适当性管理", "Suitability"),
    "suit.title": ("适当性管理", "Suitability"),
    "suit.panel": ("适当性", "Suitability"),
    "suit.class": ("风险承受能力", "Risk class"),
    "suit.lowest": ("最低类别", "Lowest category"),
    "suit.validity": ("测评有效期", "Assessment validity"),
    "suit.state.valid": ("有效", "Valid"),
    "suit.state.expiring": ("即将到期", "Expiring"),
    "suit.state.expired": ("已过期", "Expired"),
    "suit.state.missing": ("无测评", "No assessment"),
    "suit.days_left": ("还有 {n} 天", "{n} days left"),
    "suit.investor_class": ("投资者分类", "Investor class"),
    "suit.class.professional": ("专业投资者", "Professional"),
    "suit.class.ordinary": ("普通投资者", "Ordinary"),
    "suit.outcome": ("数据显示", "The data shows"),
    "suit.outcome.professional": ("符合专业投资者条件", "professional criteria met"),
    "suit.outcome.to_verify": ("需核实", "to verify"),
    "suit.outcome.may_apply": ("可申请转化为专业投资者", "may apply to be professional"),
    "suit.outcome.ordinary": ("普通投资者", "ordinary"),
    "suit.why_class": ("分类依据", "Why this class"),
    "suit.behaviour": ("行为风险偏好", "Behavioural risk preference"),
    "suit.behaviour_history": ("历史季度", "By quarter"),
    "suit.no_model": ("尚无行为风险偏好模型", "No behavioural model stored"),
    "suit.quarter": ("季度", "Quarter"),
    "suit.level": ("等级", "Level"),
    "suit.cluster": ("群组", "Cluster"),
    "suit.mismatch": ("风险偏离", "Risk mismatch"),
    "suit.mismatch_yes": ("行为比测评激进 {n} 级", "Behaviour {n} levels above the class"),
    "suit.mismatch_no": ("无偏离", "None"),
    "suit.eligibility": ("业务权限", "Business permissions"),
    "suit.permission": ("权限", "Permission"),
    "suit.status": ("状态", "Status"),
    "suit.status.eligible": ("符合", "Eligible"),
    "suit.status.to_verify": ("需核实", "To verify"),
    "suit.status.not_eligible": ("不符合", "Not eligible"),
    "suit.open": ("已开通", "Open"),
    "suit.missing": ("缺少", "Missing"),
    "suit.check": ("适当性匹配检查", "Suitability check"),
    "suit.target": ("产品代码或业务权限", "Product id or permission"),
    "suit.target_hint": (
        "从列表选业务权限，或输入产品代码",
        "pick a permission, or type a product id",
    ),
    "suit.context": ("场景", "Context"),
    "suit.context.purchase": ("客户主动申购", "Customer's purchase"),
    "suit.context.recommendation": ("主动推荐", "Our recommendation"),
    "suit.run": ("检查", "Check"),
    "suit.verdict": ("结论", "Verdict"),
    "suit.verdict.match": ("匹配", "Match"),
    "suit.verdict.mismatch": ("不匹配：须警示并确认", "Mismatch: warn and confirm"),
    "suit.verdict.forbidden": ("禁止", "Forbidden"),
    "suit.warn": ("已向客户出示风险警示", "Warning shown to the customer"),
    "suit.confirm": ("记录客户确认", "Record the customer's confirmation"),
    "suit.warned": ("已警示", "Warned"),
    "suit.confirmed": ("客户已确认", "Confirmed"),
    "suit.callback": (
        "高风险产品销售给普通投资者：成交后须回访",
        "High-risk sale to an ordinary investor: a call-back follows the sale",
    ),
    "suit.checks": ("最近检查", "Recent checks"),
    "suit.by": ("检查人", "By"),
    "suit.findings": ("测评复核发现", "Re-scoring findings"),
    "suit.kind": ("类型", "Kind"),
    "suit.kind.unknown_version": ("问卷版本未知", "Unknown version"),
    "suit.kind.unscorable": ("答案无法计分", "Unscorable"),
    "suit.kind.score": ("得分不符", "Score"),
    "suit.kind.class": ("等级不符", "Class"),
    "suit.kind.horizon": ("期限不符", "Horizon"),
    "suit.kind.lowest_category": ("应为最低类别", "Lowest category"),
    "suit.kind.expire_date": ("有效期不符", "Expiry date"),
    "suit.assessment": ("测评编号", "Assessment"),
    "suit.branch": ("营业部", "Branch"),
    "suit.version": ("问卷版本", "Version"),
    "suit.delivered": ("系统值", "Delivered"),
    "suit.rescored": ("重算值", "Re-scored"),
    "suit.detail": ("说明", "Detail"),
    "suit.none": ("无", "None"),
    "suit.validity_branch": ("测评有效期（按营业部）", "Assessment validity by branch"),
    "suit.to_reassess": ("需重新测评的客户", "Customers to re-assess"),
    "suit.expire_date": ("有效期至", "Valid until"),
    "suit.customers": ("客户数", "Customers"),
    "suit.holdings": ("持仓超出风险承受能力（按营业部）", "Holdings above class by branch"),
    "suit.holding_count": ("持仓数", "Holdings"),
    "suit.holding_list": ("持仓明细", "The holdings"),
    "suit.market_value": ("市值", "Market value"),
    "suit.item": ("证券/产品", "Security / product"),
    "suit.grade": ("风险等级", "Grade"),
    "suit.reason": ("原因", "Reason"),
    # recommendation gate (issue 16 section 3): why a product is not recommended to a customer
    # (products/recommend/gate.py REASONS; the run's gate report counts pairs per reason)
    "rec.gate.not_on_sale": ("产品不在销售期", "Product not on sale"),
    "rec.gate.no_assessment": ("未做风险测评", "No risk assessment"),
    "rec.gate.assessment_expired": ("风险测评已过期", "Risk assessment expired"),
    "rec.gate.lowest_category": ("最低类别客户仅限 R1 产品", "Lowest category: R1 only"),
    "rec.gate.risk_above_class": (
        "产品风险高于客户风险承受能力",
        "Risk above the customer's class",
    ),
    "rec.gate.horizon": ("产品期限超出客户投资期限", "Term beyond the declared horizon"),
    "rec.gate.variety": ("不在客户申报的投资品种中", "Type not among declared varieties"),
    "rec.gate.investor_class": ("仅限专业投资者", "Professional investors only"),
    "rec.gate.permission": ("未开通所需业务权限", "Required service not signed"),
    "rec.gate.held_no_adding": ("已持有且产品不可追加", "Held, and the product allows no adding"),
    # alerts (客户定位): the inbox, the 360's list, the home counts and the threshold editor
    "nav.alerts": ("客户提醒", "Alerts"),
    "alerts.title": ("提醒收件箱", "Alert inbox"),
    "alerts.alert": ("提醒", "Alert"),
    "alerts.customer": ("客户", "Customer"),
    "alerts.explanation": ("说明", "Why it fired"),
    "alerts.status": ("状态", "Status"),
    "alerts.status.new": ("新提醒", "New"),
    "alerts.status.acknowledged": ("已确认", "Acknowledged"),
    "alerts.status.handled": ("已处理", "Handled"),
    "alerts.status.dismissed": ("已忽略", "Dismissed"),
    "alerts.acknowledge": ("确认", "Acknowledge"),
    "alerts.handle": ("已处理", "Mark handled"),
    "alerts.dismiss": ("忽略", "Dismiss"),
    "alerts.note": ("忽略原因（必填）", "Why dismiss (required)"),
    "alerts.date_from": ("起始日期", "From"),
    "alerts.date_to": ("截止日期", "To"),
    "alerts.export": ("导出 CSV", "Export CSV"),
    "alerts.none": ("没有提醒", "No alerts"),
    "alerts.total": ("共 {n} 条提醒", "{n} alerts"),
    "alerts.recent": ("最近提醒", "Recent alerts"),
    "alerts.all_of_customer": ("全部", "All"),
    "alerts.home": ("新提醒", "New alerts"),
    "alerts.home_none": ("暂无新提醒", "No new alerts"),
    # inbox (issue 15): one row per customer, by priority
    "inbox.rank": ("序号", "#"),
    "inbox.branch": ("营业部", "Branch"),
    "inbox.assets": ("资产", "Assets"),
    "inbox.alerts": ("提醒（最近日期）", "Alerts (latest date)"),
    "inbox.view_customers": ("按客户", "By customer"),
    "inbox.view_alerts": ("逐条提醒", "Each alert"),
    "inbox.priority_help": (
        "按优先级排序：优先级 = 资产 × 严重度。资产取当日总资产与近3月日均资产的较大者；"
        "严重度为该客户未处理提醒（新提醒、已确认）各类型权重之和，同类多次只计一次，"
        "权重 1–5 见提醒标签的悬停提示。点击一行展开逐条处理。",
        "Ordered by priority = assets x severity. Assets: the larger of today's total assets and "
        "the 3-month daily mean; severity: the sum of the weights (1-5, on each chip's hover) of "
        "the customer's open alert types (new or acknowledged), each type once. Open a row to "
        "work each alert.",
    ),
    "inbox.by_alert_help": ("每条提醒一行，最新在前。", "One row per alert, newest first."),
    "inbox.assets_hint": (
        "当日总资产与近3月日均资产的较大者",
        "the larger of today's total assets and the 3-month daily mean",
    ),
    "inbox.chip_hint": ("严重度 {s} · 共 {n} 条", "severity {s} · {n} alerts"),
    "inbox.total": ("共 {n} 位客户 · {m} 条提醒", "{n} customers · {m} alerts"),
    "inbox.all_of": ("查看该客户全部 {n} 条提醒", "All {n} alerts of this customer"),
    "thr.title": ("提醒阈值", "Alert thresholds"),
    "thr.help": (
        "总部可修改默认阈值及任一营业部的阈值，营业部经理可修改本营业部的阈值；"
        "保存前先预览触发客户数，下次运行起生效。",
        "HQ edits the defaults and any branch, a branch manager their own branch; preview how "
        "many customers would fire before saving. Saved values apply from the next run.",
    ),
    "thr.scope": ("适用范围", "Applies to"),
    "thr.defaults": ("默认", "Defaults"),
    "thr.branch": ("营业部", "Branch"),
    "thr.branch_placeholder": ("营业部代码（留空为默认）", "Branch id (empty: the defaults)"),
    "thr.preview": ("预览", "Preview"),
    "thr.would_fire": ("将有 {n} 位客户触发（当前 {m} 位）", "{n} customers would fire (now {m})"),
    "thr.save": ("保存", "Save"),
    "thr.saved": (
        "已保存（版本 {v}），下次运行起生效。",
        "Saved (version {v}); applies from the next run.",
    ),
    "thr.none": ("尚无提醒定义", "No alerts defined"),
    "thr.no_params": ("此提醒没有可调阈值", "This alert has no thresholds to set"),
    # thresholds (issue 15)
    "thr.condition": ("触发条件", "Fires when"),
    "thr.all_branches": ("默认（所有营业部）", "Defaults (every branch)"),
    "thr.param": ("阈值", "Threshold"),
    "thr.meaning": ("含义", "Meaning"),
    "thr.advanced": ("高级：条件表达式与参数名", "Advanced: the condition and threshold names"),
    # dormant-account activation (休眠户及空户激活)
    "nav.activation": ("休眠户激活", "Reactivation"),
    "act.title": ("休眠户及空户激活", "Dormant and empty accounts"),
    "act.help": (
        "休眠户与空户按激活价值排序，理由列出判定依据及各因素得分；阈值与权重可配置。",
        "Dormant and empty accounts ranked by the value of reactivating them; the reasons give "
        "the rule that applied and each factor's points. Thresholds and weights are configurable.",
    ),
    "act.export": ("导出 CSV", "Export CSV"),
    "act.rank": ("排名", "Rank"),
    "act.customer": ("客户", "Customer"),
    "act.kind": ("类型", "Kind"),
    "act.kind.dormant": ("休眠户", "Dormant"),
    "act.kind.empty": ("空户", "Empty"),
    "act.basis.source_status": ("系统标记为休眠", "Source system's status"),
    "act.basis.no_trade_window": ("长期没有交易", "No trade in the window"),
    "act.basis.no_trade_in_history": ("现有数据内没有交易", "By the data we hold"),
    "act.basis.emptied": ("资产已转空", "Emptied"),
    "act.basis.never_funded": ("从未有资产", "Never funded"),
    "act.score": ("激活价值", "Value"),
    "act.branch": ("营业部", "Branch"),
    "act.branch_placeholder": ("营业部代码", "Branch id"),
    "act.servicer": ("服务人员", "Served by"),
    "act.phone": ("电话", "Phone"),
    "act.reasons": ("理由", "Reasons"),
    "act.none": ("没有符合条件的客户", "No accounts match"),
    # activation (issue 15): ranks in scope, branch by name, plain reasons
    "act.all_branches": ("全部营业部", "All branches"),
    "act.rank_help": (
        "排名为您可见客户中的名次（1 为激活价值最高）。",
        "The rank is the place among the customers you can see (1 = most valuable).",
    ),
    "act.more_factors": ("另 {n} 项", "{n} more"),
    "act.total": ("共 {n} 位客户", "{n} customers"),
    # products (issue 16): the product list and a product's page
    "nav.products": ("产品中心", "Products"),
    "prod.title": ("产品中心", "Products"),
    "prod.help": (
        "持有人、持有市值与销量只计您可见的客户；销量为 {since} 起近一年的认购与申购金额。",
        "Holders, holdings and sales count only the customers you can see; sales are the "
        "subscriptions and purchases of the year since {since}.",
    ),
    "prod.metrics_as_of": ("产品评价数据日期 {d}。", "Evaluation as of {d}."),
    "prod.no_metrics": ("暂无产品评价数据。", "No evaluation yet."),
    "prod.search": ("产品", "Product"),
    "prod.search_hint": ("名称或代码", "Name or code"),
    "prod.total": ("共 {n} 只产品", "{n} products"),
    "prod.none": ("没有符合条件的产品", "No products match"),
    "prod.unrated": ("未评价", "Not evaluated"),
    "prod.stars_note": (
        "星级为内部评价，仅供内部参考，不向客户展示。",
        "Stars are an internal evaluation for internal reference only, not a rating.",
    ),
    "prod.col.product_id": ("产品代码", "Code"),
    "prod.col.name": ("产品名称", "Name"),
    "prod.col.product_type": ("产品类型", "Type"),
    "prod.col.risk_level": ("风险等级", "Risk level"),
    "prod.col.status": ("状态", "Status"),
    "prod.col.manager": ("管理人", "Manager"),
    "prod.col.return_1m": ("近1月收益", "1m return"),
    "prod.col.return_3m": ("近3月收益", "3m return"),
    "prod.col.return_6m": ("近6月收益", "6m return"),
    "prod.col.return_1y": ("近1年收益", "1y return"),
    "prod.col.return_ytd": ("今年以来收益", "YTD return"),
    "prod.col.return_since_launch": ("成立以来收益", "Since launch"),
    "prod.col.volatility_1y": ("年化波动率（近1年）", "Volatility (1y)"),
    "prod.col.downside_deviation_1y": ("下行标准差（近1年）", "Downside deviation (1y)"),
    "prod.col.max_drawdown": ("最大回撤", "Max drawdown"),
    "prod.col.drawdown_recovery_days": ("回撤修复天数", "Recovery"),
    "prod.col.sharpe_1y": ("夏普比率", "Sharpe"),
    "prod.col.sortino_1y": ("索提诺比率", "Sortino"),
    "prod.col.calmar_1y": ("卡玛比率", "Calmar"),
    "prod.col.excess_return_1y": ("超额收益（近1年）", "Excess return (1y)"),
    "prod.col.tracking_error_1y": ("跟踪误差（近1年）", "Tracking error (1y)"),
    "prod.col.stars": ("内部评价", "Internal evaluation"),
    "prod.col.holders": ("持有人数", "Holders"),
    "prod.col.holding_value": ("持有市值", "Holdings"),
    "prod.col.sales": ("近一年销量", "Sales (1y)"),
    "prod.col.redemptions": ("近一年赎回", "Redemptions (1y)"),
    "prod.col.net_sales": ("近一年净销量", "Net sales (1y)"),
    "prod.status.on_sale": ("在售", "On sale"),
    "prod.status.closed": ("暂停销售", "Closed"),
    "prod.status.liquidated": ("已清算", "Liquidated"),
    "prod.back": ("返回产品列表", "Back to products"),
    "prod.launch_date": ("成立日期", "Launched"),
    "prod.benchmark": ("业绩比较基准", "Benchmark"),
    "prod.rank": ("同类排名", "Rank in type"),
    "prod.rank_of": ("{type}中第 {rank} / {n}", "{rank} of {n} ({type})"),
    "prod.quartile": ("第 {q} 四分位", "quartile {q}"),
    "prod.nav_chart": ("净值走势与基准", "NAV and benchmark"),
    "prod.nav": ("单位净值", "NAV"),
    "prod.acc_nav": ("累计净值", "Accumulated NAV"),
    "prod.index.000300.SH": ("沪深300指数", "CSI 300"),
    "prod.index.399006.SZ": ("创业板指数", "ChiNext index"),
    "prod.index.000001.SH": ("上证指数", "SSE Composite"),
    "prod.nav_note": (
        "各线以首日为基点折算为涨跌幅；基准以{index}代表。",
        "Each line rebased to its first day; the benchmark drawn as the {index}.",
    ),
    "prod.nav_note_none": (
        "各线以首日为基点折算为涨跌幅；业绩比较基准没有可对照的指数行情。",
        "Each line rebased to its first day; no index quotes stand for the benchmark.",
    ),
    "prod.metrics": ("业绩指标", "Performance"),
    "prod.days": ("{n} 天", "{n} days"),
    "prod.sales": ("销售情况", "Sales"),
    "prod.sales_help": (
        "{since} 起近一年，只计您可见的客户；净销量 = 认购 + 申购 − 赎回。",
        "The year since {since}, your customers only; net = subscriptions + purchases - "
        "redemptions.",
    ),
    "prod.subscriptions": ("认购", "Subscriptions"),
    "prod.purchases": ("申购", "Purchases"),
    "prod.redemptions": ("赎回", "Redemptions"),
    "prod.net": ("净销量", "Net"),
    "prod.redemption_rate": ("赎回率", "Redemption rate"),
    "prod.redemption_rate_help": (
        "赎回率 = 期内赎回金额 ÷（期初持有市值 + 期内认购与申购金额）。",
        "Redemption rate = redemptions / (holdings at the start + subscriptions and purchases).",
    ),
    "prod.by_month": ("按月", "By month"),
    "prod.by_day": ("按日净销量", "Net sales by day"),
    "prod.by_branch": ("按营业部", "By branch"),
    "prod.by_channel": ("按渠道", "By channel"),
    "prod.branch": ("营业部", "Branch"),
    "prod.channel": ("渠道", "Channel"),
    "prod.month": ("月份", "Month"),
    "prod.no_sales": ("期内没有交易", "No orders in the period"),
    "prod.holders": ("持有人画像", "Holders"),
    "prod.holders_help": (
        "按已发布的客户画像统计，只计您可见的客户，不含个人信息。",
        "Counted from the published profile, your customers only, no personal data.",
    ),
    "prod.profile.tier": ("客户级别", "Tier"),
    "prod.profile.risk_class": ("风险承受能力", "Risk class"),
    "prod.profile.age": ("年龄段", "Age band"),
    "prod.age": ("{band} 岁", "{band}"),
    "prod.unknown": ("未知", "Unknown"),
    # recommendations (issue 16 section 3): the 360's panel, a product's target customers, the
    # suitability gate's report
    "rec.panel": ("推荐产品", "Recommended products"),
    "rec.help": (
        "只推荐通过适当性匹配的产品；匹配度为模型估计的该客户在未来 20 个交易日内购买的可能性。",
        "Only products that pass the suitability match; the match is the model's probability "
        "that the customer buys within 20 trading days.",
    ),
    "rec.as_of": ("推荐计算日期 {d}", "Recommended as of {d}"),
    "rec.no_run": (
        "暂无推荐：尚未进行产品推荐计算。",
        "No recommendations yet: the recommendation run has not been made.",
    ),
    "rec.none": (
        "没有适合该客户的产品：在售产品均未通过适当性匹配（风险等级、测评有效期、投资期限或投资品种）。",
        "No suitable product: none on sale passes the suitability match (risk level, a valid "
        "assessment, horizon or varieties).",
    ),
    "rec.product": ("产品", "Product"),
    "rec.match": ("匹配度", "Match"),
    "rec.reasons": ("推荐理由", "Reasons"),
    "rec.rank": ("位次", "Rank"),
    "rec.rank_of": ("第 {n} 位", "No. {n}"),
    "rec.targets": ("目标客户", "Target customers"),
    "rec.targets_help": (
        "推荐前十中包含该产品的客户，只计您可见的客户，按匹配度从高到低排列。",
        "Customers whose top 10 holds this product, yours only, best match first.",
    ),
    "rec.targets_all": ("查看全部目标客户（共 {n} 位）", "All {n} target customers"),
    "rec.targets_title": ("{name} · 目标客户", "{name} · target customers"),
    "rec.targets_total": ("共 {n} 位目标客户", "{n} target customers"),
    "rec.targets_none": (
        "您可见的客户中没有该产品的目标客户。",
        "None of your customers is a target of this product.",
    ),
    "rec.targets_no_run": (
        "暂无目标客户：尚未进行产品推荐计算。",
        "No target customers yet: the recommendation run has not been made.",
    ),
    "rec.back": ("返回产品页", "Back to the product"),
    "rec.save_segment": ("保存为客户群", "Save as a segment"),
    "rec.save_segment_help": (
        "客户群随每次推荐计算更新，可用于营销活动；每位查看者只看到自己可见的客户。",
        "The segment follows every recommendation run and serves a campaign; each viewer sees "
        "only their own customers in it.",
    ),
    "rec.col.customer_id": ("客户号", "Customer"),
    "rec.col.name": ("客户姓名", "Name"),
    "rec.col.branch_id": ("营业部", "Branch"),
    "rec.col.staff_id": ("服务人员", "Served by"),
    "rec.col.customer_tier": ("客户级别", "Tier"),
    "rec.col.regulatory_class": ("风险承受能力", "Risk class"),
    "rec.col.rank": ("推荐位次", "Rank"),
    "rec.col.score": ("匹配度", "Match"),
    "rec.col.reasons": ("推荐理由", "Reasons"),
    "rec.report": ("推荐适当性过滤报告", "Recommendation suitability gate"),
    "rec.report_link": ("推荐适当性过滤报告", "Recommendation gate report"),
    "rec.report_help": (
        "推荐在评分之后、展示之前经过适当性过滤；下表为各原因剔除的产品推荐数（一条推荐可能同时有多个原因）。",
        "After scoring and before anything is shown, the suitability gate removes items; the "
        "table counts them per reason (one item may have several).",
    ),
    "rec.report_none": ("暂无推荐计算报告。", "No recommendation run report yet."),
    "rec.reason": ("原因", "Reason"),
    "rec.removed": ("剔除数", "Removed"),
    "rec.removed_from_top": ("其中原本会进入前十", "Of which in a top 10"),
    "rec.stat.customers": ("客户数", "Customers"),
    "rec.stat.products": ("产品数", "Products"),
    "rec.stat.pairs_scored": ("评分的客户产品组合", "Pairs scored"),
    "rec.stat.shown": ("展示的推荐", "Items shown"),
    "rec.stat.customers_without": ("没有合适产品的客户", "Customers without one"),
    "rec.stat.model_version": ("模型版本", "Model version"),
    "rec.gate_other": ("其他原因", "Other"),
    "field.recommended_product": ("产品推荐目标客户", "Target customers of a product"),
    "seg.group.recommendation": ("产品推荐", "Recommendations"),
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.404": ("未找到", "Not found"),
    "error.403": ("无权访问", "Not allowed"),
    "error.422": ("请求无效", "Invalid request"),
    "error.401": ("请登录", "Please sign in"),
    "error.back": ("返回工作台", "Back to the workbench"),
    "error.continue": ("确认并继续打开", "Continue to this page"),
    # errors (issue 15): what an error page says when the message has no translation
    "error.409": ("操作与当前状态不符", "Not possible now"),
    "error.500": ("服务器出错", "Server error"),
    "error.generic.403": (
        "您的角色或权限不允许此操作。如工作需要，请联系系统管理员。",
        "Your role or permissions do not allow this. Ask an administrator if your work needs it.",
    ),
    "error.generic.404": (
        "未找到该页面或记录，或它不在您的查看范围内。",
        "No such page or record, or it is outside what you may see.",
    ),
    "error.generic.409": (
        "该操作与当前状态不符，请刷新页面后重试。",
        "Reload the page and try again.",
    ),
    "error.generic.422": (
        "请求中有无效的内容，请检查后重新提交。",
        "Something in the request is invalid.",
    ),
    "error.generic.500": ("服务器处理时出错，请稍后重试。", "The server failed; try again later."),
    "error.field": (
        "“{field}”填写有误，请检查后重新提交。",
        "{field}: check the value and try again.",
    ),
    "error.date": (
        "“{field}”不是有效日期，请按 年-月-日 填写。",
        "{field}: not a valid date (YYYY-MM-DD).",
    ),
    "error.number": ("“{field}”须为数字。", "{field} must be a number."),
    "error.permission": (
        "此操作需要“{permission}”权限。",
        "This needs the {permission} permission.",
    ),
    "error.admin_no_customers": (
        "系统管理员不查看客户数据，请使用业务角色的账号。",
        "Administrators see no customer data; sign in with a business role.",
    ),
    "error.no_page": ("页面不存在。", "No such page."),
    "error.no_item": (
        "未找到该{what}，或它不在您的查看范围内。",
        "No such {what}, or it is outside what you may see.",
    ),
    "error.csrf": ("页面已过期，请刷新后重试。", "The page expired; reload it and try again."),
    "error.nothing_published": ("尚未发布数据。", "Nothing published yet."),
    "error.segment_owner": (
        "只有客户群的创建人可以修改或删除它。",
        "Only the segment's owner may change or delete it.",
    ),
    "error.segment_name": ("请为客户群填写名称。", "Give the segment a name."),
    "error.segment_conditions": ("请至少添加一个条件。", "Add at least one condition."),
    "error.personal_field": (
        "“{field}”属于个人信息，没有查看明文权限时不能用作筛选、排序或客户群条件。",
        "{field} is personal data: not usable without the reveal permission.",
    ),
    "error.detail": ("技术信息", "Technical detail"),
    "error.user.taken": ("用户名已被占用，请换一个。", "The username is taken."),
    "error.user.needs_staff": ("该角色须填写员工号。", "This role needs a staff id."),
    "error.user.needs_unit": (
        "该角色须填写所管理的机构号。",
        "This role needs the unit it manages.",
    ),
    "error.user.no_org": (
        "该角色不填写此项：员工号或机构号请按角色填写。",
        "This role takes no staff id or unit id here.",
    ),
    "error.user.unknown_staff": ("员工号不在已发布的员工名单中。", "No such staff id."),
    "error.user.unknown_unit": ("机构号不在已发布的组织架构中。", "No such unit id."),
    "error.user.unit_type": ("机构类型与角色不符。", "The unit's type does not fit the role."),
    "error.user.display_name": ("显示名须为 1 到 200 个字符。", "Display name: 1-200 characters."),
    # common
    "common.yes": ("是", "yes"),
    "common.no": ("否", "no"),
    "common.submit": ("提交", "Submit"),
    "common.cancel": ("取消", "Cancel"),
    "common.loading": ("加载中…", "Loading…"),
    "common.actions": ("操作", "Actions"),
    "common.all": ("全部", "All"),
    "common.filter": ("筛选", "Filter"),
    "common.date": ("日期", "Date"),
    # --- work list (issue 17 section 1) ---
    "nav.worklist": ("今日待办", "Today's work"),
    # --- end work list ---
    "nav.campaigns": ("营销活动", "Campaigns"),
    # --- campaigns (issue 17 section 3) ---
    # --- end campaigns ---
    "nav.care": ("关怀提醒", "Care messages"),
    # --- care (issue 17 section 4) ---
    # --- end care ---
    "records.title": ("服务记录", "Service records"),
    # --- service records (issue 17 section 2) ---
    "records.panel": ("服务记录 · 联系时间线", "Service records · contact timeline"),
    "records.count": ("共 {n} 条", "{n} entries"),
    "records.counts": (
        "服务记录 {record} · 呼叫中心 {contact} · 关怀消息 {care}",
        "records {record} · call centre {contact} · care messages {care}",
    ),
    "records.log": ("记录联系", "Log a contact"),
    "records.save": ("保存", "Save"),
    "records.edit": ("编辑", "Edit"),
    "records.edit_title": ("编辑服务记录", "Edit the service record"),
    "records.editable_until": ("{t} 前可编辑", "editable until {t}"),
    "records.closed": (
        "此记录已超过 24 小时，不能再修改；如需更正，请新记录一条联系。",
        "This record is more than 24 hours old and can no longer be changed; log a new contact "
        "to correct it.",
    ),
    "records.saved": ("已保存服务记录", "Service record saved"),
    "records.empty": ("暂无联系记录", "No contacts yet"),
    "records.kind.record": ("服务记录", "Service record"),
    "records.kind.contact": ("呼叫中心", "Call centre"),
    "records.kind.care": ("关怀消息", "Care message"),
    "records.f.channel": ("联系方式", "Channel"),
    "records.f.purpose": ("联系目的", "Purpose"),
    "records.f.result": ("联系结果", "Result"),
    "records.f.content": ("联系内容", "Content"),
    "records.f.contact_at": ("联系时间", "Contacted at"),
    "records.f.contact_at_help": ("不填为现在", "empty: now"),
    "records.f.next_step": ("下一步", "Next step"),
    "records.f.next_date": ("下次跟进", "Follow up on"),
    "records.f.campaign_id": ("营销活动编号", "Campaign"),
    "records.choose": ("请选择", "Choose"),
    "records.next": ("下次跟进 {d}", "Follow up on {d}"),
    "records.by": ("经办 {who}", "by {who}"),
    "records.system": ("系统", "system"),
    "records.duration": ("通话 {n} 秒", "{n} s call"),
    "records.duration_min": ("通话 {m} 分 {s} 秒", "{m} min {s} s call"),
    "records.campaign": ("营销活动 {n}", "campaign {n}"),
    "records.care_status.queued": ("待发送", "Queued"),
    "records.care_status.exported": ("已导出", "Exported"),
    "records.care_status.sent": ("已发送", "Sent"),
    "records.care_status.failed": ("发送失败", "Failed"),
    "records.care_status.opted_out": ("客户已退订", "Opted out"),
    "records.contacts_error": (
        "呼叫中心记录暂时无法读取，以下仅含服务记录与关怀消息。",
        "The call-centre records cannot be read now; only service records and care messages "
        "are shown.",
    ),
    "records.prev": ("较新", "Newer"),
    "records.more": ("更早", "Older"),
    "records.err.channel": ("请选择联系方式。", "Choose a channel."),
    "records.err.purpose": ("请选择联系目的。", "Choose a purpose."),
    "records.err.result": ("请选择联系结果。", "Choose a result."),
    "records.err.content": (
        "请填写联系内容（1 至 2000 字）。",
        "Write the content (1 to 2000 characters).",
    ),
    "records.err.next_step": (
        "填写下次跟进日期时，请写明下一步要做什么（最多 500 字）。",
        "With a follow-up date, say what to do next (at most 500 characters).",
    ),
    "records.err.next_date": (
        "下次跟进日期须晚于今天，且在一年之内。",
        "The follow-up date must be after today and within a year.",
    ),
    "records.err.contact_at": (
        "联系时间不能晚于现在。",
        "The contact time cannot be in the future.",
    ),
    "records.err.campaign_id": (
        "该客户不在此营销活动的执行组中，请去掉活动编号后再记录。",
        "The customer is not in this campaign's treatment group: log it without the campaign.",
    ),
    "records.err.work_item_date": ("待办日期不能晚于今天。", "The work-list date is after today."),
    # --- end service records ---
}


# Column names of the customer 360's tables and cards: column -> (zh, en).
COLUMNS: dict[str, tuple[str, str]] = {
    "biz_date": ("日期", "Date"),
    "account_id": ("资金账号", "Account"),
    "security_id": ("证券代码", "Security"),
    "security_name": ("证券名称", "Name"),
    "security_type": ("证券类别", "Type"),
    "quantity": ("数量", "Quantity"),
    "cost_amount": ("成本", "Cost"),
    "market_value": ("市值", "Market value"),
    "product_id": ("产品代码", "Product"),
    "product_name": ("产品名称", "Name"),
    "product_type": ("产品类型", "Type"),
    "risk_level": ("风险等级", "Risk level"),
    "units": ("份额", "Units"),
    "trade_id": ("成交编号", "Trade"),
    "side": ("买卖", "Side"),
    "trade_type": ("交易类型", "Trade type"),
    "price": ("价格", "Price"),
    "amount": ("金额", "Amount"),
    "commission": ("佣金", "Commission"),
    "net_commission": ("净佣金", "Net commission"),
    "stamp_duty": ("印花税", "Stamp duty"),
    "transfer_fee": ("过户费", "Transfer fee"),
    "other_fee": ("其他费用", "Other fees"),
    "channel": ("渠道", "Channel"),
    "trade_time": ("成交时间", "Time"),
    "transfer_id": ("转账编号", "Transfer"),
    "direction": ("方向", "Direction"),
    "bank": ("银行", "Bank"),
    "agreement_id": ("协议编号", "Agreement"),
    "customer_id": ("客户号", "Customer"),
    "service": ("业务", "Service"),
    "sign_date": ("签署日期", "Signed"),
    "cancel_date": ("解约日期", "Cancelled"),
    "contact_id": ("记录编号", "Contact"),
    "staff_id": ("员工号", "Staff"),
    "staff_name": ("员工", "Staff name"),
    "purpose": ("目的", "Purpose"),
    "result": ("结果", "Result"),
    "duration_s": ("时长（秒）", "Duration (s)"),
    "unit_id": ("机构", "Unit"),
    "role": ("角色", "Role"),
    "start_date": ("开始日期", "From"),
    "end_date": ("结束日期", "To"),
    "share_pct": ("分成比例", "Share"),
    "active": ("有效", "Active"),
    "assessment_id": ("测评编号", "Assessment"),
    "assess_date": ("测评日期", "Assessed"),
    "questionnaire_version": ("问卷版本", "Questionnaire"),
    "answers": ("答题", "Answers"),
    "score": ("得分", "Score"),
    "risk_class": ("风险等级", "Risk class"),
    "horizon": ("投资期限", "Horizon"),
    "varieties": ("投资品种", "Varieties"),
    "expire_date": ("有效期至", "Valid until"),
    "expired": ("已过期", "Expired"),
    "fee_rate": ("费率", "Fee rate"),
    "customer_type": ("客户类型", "Type"),
    "gender": ("性别", "Gender"),
    "status": ("状态", "Status"),
    "investor_class": ("投资者分类", "Investor class"),
    "open_channel": ("开户渠道", "Channel"),
    "open_date": ("开户日期", "Opened"),
    "name": ("姓名", "Name"),
    "branch_id": ("营业部", "Branch"),
    # vocabulary (issue 15)
    "region_id": ("分公司", "Region"),
    "team_id": ("团队", "Team"),
    "id_type": ("证件类型", "ID type"),
    "close_date": ("销户日期", "Closed"),
    "as_of_date": ("数据日期", "As of"),
    "catalog_version": ("分类目录版本", "Catalog version"),
    "unit_type": ("机构类型", "Unit type"),
    "position": ("岗位", "Position"),
}


def _enum(*items: tuple[str, str, str]) -> dict[str, tuple[str, str]]:
    return {value: (zh, en) for value, zh, en in items}


_PRODUCT_TYPES = _enum(
    ("money_market", "货币基金", "Money market fund"),
    ("bond_fund", "债券基金", "Bond fund"),
    ("hybrid_fund", "混合基金", "Hybrid fund"),
    ("equity_fund", "股票基金", "Equity fund"),
    ("index_fund", "指数基金", "Index fund"),
    ("qdii_fund", "QDII基金", "QDII fund"),
    ("private_fund", "私募基金", "Private fund"),
    ("asset_mgmt", "资管计划", "Asset management plan"),
    ("structured_note", "收益凭证", "Structured note"),
    ("advisory", "投顾产品", "Advisory"),
    ("info_service", "资讯服务", "Information service"),
)
_CHANNELS = _enum(
    ("app", "App", "App"),
    ("pc", "PC", "PC"),
    ("phone", "电话", "Phone"),
    ("counter", "柜台", "Counter"),
    ("api", "API", "API"),
    ("sms", "短信", "SMS"),
    ("wechat", "微信", "WeChat"),
    ("visit", "拜访", "Visit"),
    ("email", "邮件", "E-mail"),
    ("app_push", "App 推送", "App push"),
    ("bank_app", "银行 App", "Bank app"),
    ("securities_app", "证券 App", "Securities app"),
    ("bank_counter", "银行柜台", "Bank counter"),
    ("online_bank", "网上银行", "Online banking"),
)

# Enumerated values by column: column -> value -> (zh, en). A value not listed shows as is.
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "side": _enum(("buy", "买入", "Buy"), ("sell", "卖出", "Sell")),
    "direction": _enum(("in", "转入", "In"), ("out", "转出", "Out")),
    "role": _enum(
        ("developer", "开发", "Developer"),
        ("servicer", "服务", "Servicer"),
        ("advisor", "投顾", "Advisor"),
    ),
    "channel": _CHANNELS,
    "purpose": _enum(
        ("service", "服务", "Service"),
        ("marketing", "营销", "Marketing"),
        ("callback", "回访", "Callback"),
        ("care", "关怀", "Care"),
        ("complaint", "投诉处理", "Complaint"),
    ),
    "result": _enum(
        ("reached", "已接通", "Reached"),
        ("not_reached", "未接通", "Not reached"),
        ("refused", "拒绝", "Refused"),
        ("done", "已完成", "Done"),
    ),
    "service": _enum(
        ("advisory", "投资顾问", "Advisory"),
        ("margin", "融资融券", "Margin"),
        ("option", "股票期权", "Options"),
        ("chinext", "创业板", "ChiNext"),
        ("star", "科创板", "STAR Market"),
        ("bse", "北交所", "BSE"),
        ("hk_connect", "港股通", "HK Connect"),
        ("info_service", "资讯服务", "Information service"),
    ),
    "product_type": _PRODUCT_TYPES,
    "varieties": _PRODUCT_TYPES,
    "security_type": _enum(
        ("stock", "股票", "Stock"),
        ("etf", "ETF", "ETF"),
        ("lof", "LOF", "LOF"),
        ("closed_fund", "封闭式基金", "Closed-end fund"),
        ("bond", "债券", "Bond"),
        ("convertible", "可转债", "Convertible"),
        ("warrant", "权证", "Warrant"),
        ("repo", "回购", "Repo"),
    ),
    "trade_type": _enum(
        ("normal", "普通", "Normal"),
        ("ipo_subscribe", "新股申购", "IPO subscription"),
        ("ipo_allot", "新股配售", "IPO allotment"),
        ("margin_buy", "融资买入", "Margin buy"),
        ("short_sell", "融券卖出", "Short sell"),
        ("repay", "还款", "Repayment"),
    ),
    "customer_type": _enum(
        ("individual", "个人", "Individual"),
        ("institution", "机构", "Institution"),
        ("product", "产品", "Product"),
    ),
    "status": _enum(
        ("normal", "正常", "Normal"),
        ("dormant", "休眠", "Dormant"),
        ("frozen", "冻结", "Frozen"),
        ("closed", "已销户", "Closed"),
        ("on_sale", "在售", "On sale"),
        ("liquidated", "已清算", "Liquidated"),
    ),
    "investor_class": _enum(
        ("ordinary", "普通投资者", "Ordinary"), ("professional", "专业投资者", "Professional")
    ),
    "gender": _enum(("M", "男", "Male"), ("F", "女", "Female")),
    "open_channel": _enum(
        ("branch", "营业部", "Branch"),
        ("online", "网上开户", "Online"),
        ("bank", "银行", "Bank"),
        ("app", "App", "App"),
        ("referral", "推荐", "Referral"),
    ),
    "horizon": _enum(
        ("short", "短期", "Short"), ("medium", "中期", "Medium"), ("long", "长期", "Long")
    ),
    "risk_class": _enum(
        ("C1", "C1 保守型", "C1 conservative"),
        ("C2", "C2 谨慎型", "C2 cautious"),
        ("C3", "C3 稳健型", "C3 balanced"),
        ("C4", "C4 积极型", "C4 growth"),
        ("C5", "C5 激进型", "C5 aggressive"),
    ),
    "risk_level": _enum(
        ("R1", "R1 低风险", "R1 low"),
        ("R2", "R2 中低风险", "R2 low-medium"),
        ("R3", "R3 中风险", "R3 medium"),
        ("R4", "R4 中高风险", "R4 medium-high"),
        ("R5", "R5 高风险", "R5 high"),
    ),
}

# vocabulary (issue 15): the organisation, condition operators, audit actions, permissions.
# New columns only: a name already in ENUMS above is a data column's and keeps its values.
_VOCABULARY: dict[str, dict[str, tuple[str, str]]] = {
    "unit_type": _enum(
        ("hq", "总部", "Head office"),
        ("region", "分公司", "Region"),
        ("branch", "营业部", "Branch"),
        ("team", "团队", "Team"),
    ),
    "position": _enum(
        ("broker", "经纪人", "Broker"),
        ("advisor", "投资顾问", "Advisor"),
        ("team_lead", "团队长", "Team lead"),
        ("branch_manager", "营业部经理", "Branch manager"),
        ("service", "客服专员", "Service"),
        ("hq_marketing", "总部营销", "HQ marketing"),
    ),
    "op": _enum(
        ("eq", "等于", "equals"),
        ("ne", "不等于", "is not"),
        ("in", "属于", "is one of"),
        ("gt", "大于", "greater than"),
        ("ge", "大于等于", "at least"),
        ("lt", "小于", "less than"),
        ("le", "小于等于", "at most"),
        ("between", "介于", "between"),
        ("is_null", "为空", "is empty"),
        ("not_null", "不为空", "is not empty"),
    ),
    "action": _enum(
        ("login", "登录", "Sign-in"),
        ("logout", "退出", "Sign-out"),
        ("login_failed", "登录失败", "Failed sign-in"),
        ("locked_out", "账户锁定", "Locked out"),
        ("password_changed", "修改密码", "Password changed"),
        ("user_create", "新增用户", "User added"),
        ("user_reset", "重置密码", "Password reset"),
        ("user_disable", "停用用户", "User disabled"),
        ("user_enable", "启用用户", "User enabled"),
        ("user_change", "用户变更", "User changed"),
        ("view_home", "查看工作台", "Viewed the workbench"),
        ("view_list", "查看客户列表", "Viewed the customer list"),
        ("view_360", "查看客户全景", "Viewed a customer"),
        ("view_assets", "查看资产曲线", "Viewed assets"),
        ("view_why", "查看分类依据", "Viewed why"),
        ("view_churn", "查看流失预测", "Viewed churn"),
        ("view_riskpref", "查看行为风险偏好", "Viewed risk preference"),
        ("view_segment_members", "查看客户群成员", "Viewed segment members"),
        ("view_alerts", "查看提醒收件箱", "Viewed alerts"),
        ("view_alert", "查看提醒", "Viewed an alert"),
        ("view_customer_alerts", "查看客户提醒", "Viewed a customer's alerts"),
        ("view_activation", "查看休眠户激活名单", "Viewed reactivation"),
        ("view_suitability", "查看适当性", "Viewed suitability"),
        ("view_eligibility", "查看业务权限", "Viewed permissions"),
        ("view_suitability_report", "查看适当性报表", "Viewed a suitability report"),
        ("view_class_requests", "查看投资者分类申请", "Viewed class requests"),
        ("suitability_check", "适当性匹配检查", "Suitability check"),
        ("suitability_warning", "记录风险警示", "Warning recorded"),
        ("suitability_confirmation", "记录客户确认", "Confirmation recorded"),
        ("suitability_sale", "记录成交", "Sale recorded"),
        ("investor_class_request", "投资者分类申请", "Class request"),
        ("investor_class_decision", "审批投资者分类", "Class decision"),
        ("reveal", "查看明文", "Revealed"),
        ("export", "导出", "Export"),
        ("segment_export", "导出客户群成员", "Segment exported"),
        ("personal_filter", "按个人信息筛选", "Filtered on personal data"),
        ("catalog_apply", "应用分类目录", "Catalog applied"),
        ("alert_thresholds", "修改提醒阈值", "Thresholds changed"),
        ("alert_acknowledged", "确认提醒", "Alert acknowledged"),
        ("alert_handled", "处理提醒", "Alert handled"),
        ("alert_dismissed", "忽略提醒", "Alert dismissed"),
        # products (issue 16)
        ("view_products", "查看产品列表", "Viewed the product list"),
        ("view_product", "查看产品", "Viewed a product"),
        ("view_recommendations", "查看推荐产品", "Viewed recommendations"),
        ("view_product_targets", "查看产品目标客户", "Viewed a product's targets"),
        ("save_targets_segment", "保存目标客户群", "Saved targets as a segment"),
        ("view_recommendation_report", "查看推荐过滤报告", "Viewed the gate report"),
    ),
    "permission": _enum(
        ("reveal_pii", "查看明文", "Reveal personal data"),
        ("export", "导出", "Export"),
        ("edit_catalog", "编辑分类目录", "Edit the catalog"),
        ("read_audit", "查看审计日志", "Read the audit log"),
        ("suitability_reports", "适当性报表", "Suitability reports"),
        ("decide_investor_class", "审批投资者分类", "Decide investor class"),
        ("edit_alert_thresholds", "修改提醒阈值", "Edit alert thresholds"),
        ("manage_users", "用户管理", "Manage users"),
    ),
    "export_kind": _enum(
        ("customers", "客户列表", "Customer list"),
        ("segment", "客户群成员", "Segment members"),
        ("activation", "休眠户激活名单", "Reactivation list"),
        ("alerts", "提醒", "Alerts"),
        ("suitability", "适当性报表", "Suitability report"),
        ("dormant", "休眠户", "Dormant"),
        ("empty", "空户", "Empty"),
        ("products", "产品列表", "Product list"),  # products (issue 16)
        ("product_targets", "产品目标客户", "Product targets"),
    ),
    "report": _enum(
        ("overview", "概览", "Overview"),
        ("findings", "测评复核发现", "Re-scoring findings"),
        ("validity", "测评有效期", "Assessment validity"),
        ("holdings_above_class", "持仓超出风险承受能力", "Holdings above class"),
    ),
    "filter_purpose": _enum(
        ("list", "客户列表", "Customer list"),
        ("count", "计数", "Count"),
        ("export", "导出", "Export"),
        ("segment", "客户群条件", "Segment conditions"),
        ("segment_count", "客户群计数", "Segment count"),
        ("segment_members", "客户群成员", "Segment members"),
        ("segment_refresh", "客户群刷新", "Segment refresh"),
    ),
    "class_direction": _enum(
        ("to_professional", "申请转为专业投资者", "To professional"),
        ("to_ordinary", "申请转为普通投资者", "To ordinary"),
    ),
    "request_status": _enum(
        ("pending", "待审批", "Pending"),
        ("approved", "已批准", "Approved"),
        ("rejected", "已驳回", "Rejected"),
    ),
    "audit_group": _enum(("customer", "按客户", "By customer"), ("alert", "按提醒", "By alert")),
    "login_reason": _enum(
        ("wrong_password", "密码错误", "Wrong password"),
        ("unknown_user", "用户名不存在", "Unknown user"),
        ("disabled", "账户已停用", "Disabled"),
        ("locked", "账户已锁定", "Locked"),
        ("rate_limited", "该地址尝试过多", "Too many attempts"),
    ),
    # products (issue 16): a product's status (the `status` column is a customer's too)
    "product_status": _enum(
        ("on_sale", "在售", "On sale"),
        ("closed", "暂停销售", "Closed"),
        ("liquidated", "已清算", "Liquidated"),
    ),
}
ENUMS.update({k: v for k, v in _VOCABULARY.items() if k not in ENUMS})

# The audit log's detail keys: key -> (zh, en). A key not listed reads by `column_label`.
AUDIT_DETAIL_KEYS: dict[str, tuple[str, str]] = {
    "snapshot_id": ("数据版本", "Snapshot"),
    "page": ("页码", "Page"),
    "page_size": ("每页条数", "Page size"),
    "total": ("总数", "Total"),
    "count": ("数量", "Count"),
    "rows": ("行数", "Rows"),
    "username": ("用户名", "Username"),
    "role": ("角色", "Role"),
    "staff_id": ("员工", "Staff"),
    "unit_id": ("机构", "Unit"),
    "branch_id": ("营业部", "Branch"),
    "permissions": ("附加权限", "Permissions"),
    "demo": ("演示账号", "Demo user"),
    "bootstrap": ("初始管理员", "First administrator"),
    "generated": ("系统生成密码", "Generated password"),
    "report": ("报表", "Report"),
    "eligibility": ("业务权限", "Permissions"),
    "segment_id": ("客户群编号", "Segment"),
    "fields": ("字段", "Fields"),
    "field": ("字段", "Field"),
    "purpose": ("用途", "Purpose"),
    "status": ("状态", "Status"),
    "check_id": ("检查编号", "Check"),
    "reason": ("原因", "Reason"),
    "as_of": ("数据日期", "As of"),
    "as_of_date": ("数据日期", "As of"),
    "quarter": ("季度", "Quarter"),
    "version": ("版本", "Version"),
    "other_sessions_ended": ("退出的其他会话", "Other sessions ended"),
    "required": ("强制修改", "Required"),
    "filters": ("筛选条件", "Filters"),
    "format": ("格式", "Format"),
    "note": ("备注", "Note"),
    "alert_id": ("提醒", "Alert"),
    "alert_row_id": ("提醒编号", "Alert row"),
    "classification_id": ("分类", "Classification"),
    "target": ("产品或权限", "Product or permission"),
    "context": ("场景", "Context"),
    "verdict": ("结论", "Verdict"),
    "approve": ("批准", "Approved"),
    "request_id": ("申请编号", "Request"),
    "kind": ("类型", "Kind"),
    "data": ("数据", "Data"),
    "forbid": ("禁止", "Forbidden"),
    "pending": ("待审批", "Pending"),
    "sort": ("排序", "Sort"),
    "segment": ("客户群", "Segment"),
    "alert_thresholds": ("提醒阈值", "Alert thresholds"),
    "group": ("分组方式", "Grouped by"),
    "query": ("查询条件", "Query"),
    "conditions": ("条件", "Conditions"),
    "search": ("搜索", "Search"),
    "descending": ("降序", "Descending"),
    "team_id": ("团队", "Team"),
    "customer_id": ("客户号", "Customer"),
    "date_from": ("开始日期", "From"),
    "date_to": ("结束日期", "To"),
    "direction": ("方向", "Direction"),
    "from": ("原状态", "From"),
    "params": ("参数", "Parameters"),
    "sha256": ("校验值", "Checksum"),
    "classification": ("分类", "Classification"),
    # products (issue 16)
    "product_id": ("产品代码", "Product"),
    "product_type": ("产品类型", "Product type"),
    "risk_level": ("风险等级", "Risk level"),
    "product_status": ("产品状态", "Product status"),
}

# Request parameters as an error names them: name -> (zh, en); else `column_label`.
PARAMETERS: dict[str, tuple[str, str]] = {
    "date_from": ("开始日期", "From"),
    "date_to": ("结束日期", "To"),
    "page": ("页码", "Page"),
    "page_size": ("每页条数", "Page size"),
    "name": ("名称", "Name"),
    "description": ("说明", "Description"),
    "visibility": ("可见范围", "Visibility"),
    "conditions": ("条件", "Conditions"),
    "username": ("用户名", "Username"),
    "display_name": ("显示名", "Display name"),
    "action": ("操作", "Action"),
    "segment_id": ("客户群", "Segment"),
    "reason": ("查看原因", "Reason"),
    "note": ("备注", "Note"),
    "status": ("状态", "Status"),
    "password": ("密码", "Password"),
    "role": ("角色", "Role"),
    "sort": ("排序", "Sort"),
    "filter": ("筛选条件", "Filter"),
    "f": ("筛选条件", "Filter"),
    "q": ("搜索", "Search"),
}


def column_label(
    name: str, language: str, indicators: Mapping[str, Indicator] | None = None
) -> str:
    """A data column's name: an indicator's zh/en name, a known column, else the id.

    `indicators` are the installation's (`load_indicators(settings)`); None: the shipped ones."""
    known = indicators if indicators is not None else builtin_indicators()
    indicator = known.get(name)
    if indicator is not None:
        return indicator.en if language == "en" else indicator.zh
    pair = COLUMNS.get(name) or MESSAGES.get(f"field.{name}")
    if pair is None:
        return name
    return pair[1] if language == "en" else pair[0]


def enum_label(column: str, value: object, language: str) -> str | None:
    """An enumerated value's label (`side` `buy` -> 买入), or None when the column has no list."""
    values = ENUMS.get(column)
    if values is None or not isinstance(value, str):
        return None
    pair = values.get(value)
    if pair is None:
        return value
    return pair[1] if language == "en" else pair[0]


def label(table: Mapping[str, tuple[str, str]], key: str, language: str) -> str | None:
    pair = table.get(key)
    return None if pair is None else (pair[1] if language == "en" else pair[0])


def parameter_label(name: str, language: str) -> str:
    """A request parameter or form field as a user knows it: 开始日期, 名称, 客户级别."""
    found = label(PARAMETERS, name, language) or column_label(name, language)
    if found != name or language == "en":
        return found
    return "参数"  # a code with no name: not shown to a Chinese reader


_CJK = re.compile(r"[\u3400-\u9fff]")
_PARAMETER = re.compile(r"^(?:(?:query|body|path|form|header|cookie)\.)?([A-Za-z_][\w.]*)\s*:")

# Access-layer and web messages (English, for the CLI and the API) as a page says them:
# (pattern on the message, message id, which group names what). Tried in order.
_ERROR_RULES: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"administrator role sees no customer data"), "error.admin_no_customers", None),
    (re.compile(r"\bneeds the (\w+) permission"), "error.permission", "permission"),
    (re.compile(r"CSRF token"), "error.csrf", None),
    (re.compile(r"^nothing published yet"), "error.nothing_published", None),
    (re.compile(r"^no such (page|resource)"), "error.no_page", None),
    (
        re.compile(r"^no (segment|customer|unit|alert|check|user|class request|step)\b"),
        "error.no_item",
        "what",
    ),
    (re.compile(r"segment's owner"), "error.segment_owner", None),
    (re.compile(r"^name: give the segment a name"), "error.segment_name", None),
    (re.compile(r"^conditions: add at least one"), "error.segment_conditions", None),
    (re.compile(r"^'?(\w+)'? is personal data"), "error.personal_field", "field"),
    (re.compile(r"valid date|not a date|is outside \d"), "error.date", "field"),
    (re.compile(r"^username .* is taken"), "error.user.taken", None),
    (re.compile(r"needs a staff_id"), "error.user.needs_staff", None),
    (re.compile(r"needs a unit_id"), "error.user.needs_unit", None),
    (
        re.compile(r"takes no (?:unit_id|staff_id)|not tied to a staff member"),
        "error.user.no_org",
        None,
    ),
    (re.compile(r"^staff_id .* not in the published"), "error.user.unknown_staff", None),
    (re.compile(r"^unit_id .* not in the published"), "error.user.unknown_unit", None),
    (re.compile(r"^unit_id .* is an? \w+; role"), "error.user.unit_type", None),
    (re.compile(r"^display_name must be"), "error.user.display_name", None),
    (re.compile(r"valid (?:integer|number)|is not a number"), "error.number", "field"),
)

_THINGS = {
    "segment": ("客户群", "segment"),
    "customer": ("客户", "customer"),
    "unit": ("机构", "unit"),
    "alert": ("提醒", "alert"),
    "check": ("适当性检查", "check"),
    "user": ("用户", "user"),
    "class request": ("投资者分类申请", "class request"),
    "step": ("步骤", "step"),
}


def error_text(status: int, message: str, language: str) -> str:
    """An error's message for a page in the reader's language: one rule for every error.

    Messages written "中文 / English" show their side; known English messages are said in
    Chinese; any other message reads as the status's plain sentence (the original stays
    available to the page as technical detail)."""
    if " / " in message and _CJK.search(message):
        zh, _, en = message.partition(" / ")
        if not _CJK.search(zh):
            zh, en = en, zh
        return en.strip() if language == "en" else zh.strip()
    if language == "en":
        return message
    for pattern, message_id, group in _ERROR_RULES:
        found = pattern.search(message)
        if found is None:
            continue
        if group is None:
            return translate(message_id, language)
        if group == "permission":
            value = enum_label("permission", found.group(1), language) or found.group(1)
        elif group == "what":
            value = label(_THINGS, found.group(1), language) or found.group(1)
        else:
            name = found.group(1) if found.groups() else _parameter_of(message)
            value = parameter_label(name, language)
        return translate(message_id, language, **{group: value})
    if _CJK.search(message) and not re.search(r"[A-Za-z]{2,}", message):
        return message  # already Chinese
    if status == 422 and _PARAMETER.match(message):
        field = parameter_label(_parameter_of(message), language)
        return translate("error.field", language, field=field)
    generic = status if status in (403, 404, 409, 422) else 500
    return translate(f"error.generic.{generic}", language)


def _parameter_of(message: str) -> str:
    named = _PARAMETER.match(message)
    return named.group(1).split(".")[-1] if named else ""


def pick_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def translate(message_id: str, language: str, **values: object) -> str:
    pair = MESSAGES.get(message_id)
    if pair is None:
        return message_id
    text = pair[1] if language == "en" else pair[0]
    return text.format(**values) if values else text


def translator(language: str) -> Callable[..., str]:
    """`t(id, **values)` bound to one language, for a template's context."""

    def t(message_id: str, **values: object) -> str:
        return translate(message_id, language, **values)

    return t
