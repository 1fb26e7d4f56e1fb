"""Interface text in Chinese (the default) and English, chosen by the `lang` cookie.

Templates call `t("message.id")`; a missing id shows the id itself, so a gap is visible rather
than silent. Data values (classification labels, names) are not translated here.
"""

from __future__ import annotations

from collections.abc import Callable

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
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.404": ("未找到", "Not found"),
    "error.403": ("无权访问", "Not allowed"),
    "error.422": ("请求无效", "Invalid request"),
    "error.401": ("请登录", "Please sign in"),
    "error.back": ("返回工作台", "Back to the workbench"),
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
