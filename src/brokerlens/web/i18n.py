"""Interface text in Chinese (the default) and English, chosen by the `lang` cookie.

Templates call `t("message.id")`; a missing id shows the id itself, so a gap is visible rather
than silent. Data values (classification labels, names) are not translated here.
"""

from __future__ import annotations

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
    # org
    "org.title": ("组织架构", "Organisation"),
    "org.staff": ("员工", "Staff"),
    "org.position": ("岗位", "Position"),
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
    "suit.first": ("共 {n} 条，显示前 {shown} 条", "{n} in all, the first {shown} shown"),
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
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.404": ("未找到", "Not found"),
    "error.403": ("无权访问", "Not allowed"),
    "error.422": ("请求无效", "Invalid request"),
    "error.401": ("请登录", "Please sign in"),
    "error.back": ("返回工作台", "Back to the workbench"),
    "error.continue": ("确认并继续打开", "Continue to this page"),
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
