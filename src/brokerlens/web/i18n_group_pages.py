"""The words of customer groups' pages (issue 25), zh and en: the builder's nested conditions, a
group's membership history and its profile. `web.i18n` merges them into its tables."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "grp.root": ("以下条件全部满足：", "All of the following:"),
    "grp.kind.all": ("全部满足", "All of"),
    "grp.kind.any": ("满足任一", "Any of"),
    "grp.kind.not": ("不满足", "None of"),
    "grp.add.leaf": ("条件", "Condition"),
    "grp.add.all": ("全部满足", "All of"),
    "grp.add.any": ("满足任一", "Any of"),
    "grp.add.not": ("不满足", "Not"),
    "grp.add.alert": ("近期提醒", "Recent alerts"),
    "grp.add.team": ("服务团队", "Served by team"),
    "grp.add.staff": ("服务人员", "Served by staff"),
    "grp.add.no_contact": ("未联系天数", "No contact in days"),
    "grp.add.in_group": ("其他客户群", "Member of a group"),
    "grp.node_count": ("满足此项的客户数（您的范围内）", "Customers meeting this (your scope)"),
    "grp.node_error": ("此项有误：", "Not valid: "),
    "grp.in_last": ("近", "In the last"),
    "grp.days": ("天数", "Days"),
    "grp.days_alert": ("天内出现以下任一提醒", "days, any of these alerts"),
    "grp.days_no_contact": ("天内无服务联系", "days without a service contact"),
    "grp.served_by_team": ("由团队服务：", "Served by team:"),
    "grp.served_by_staff": ("由员工服务：", "Served by:"),
    "grp.member_of": ("属于客户群：", "Member of group:"),
    "grp.history": ("成员变动", "Membership history"),
    "grp.profile": ("群组画像", "Group profile"),
    "grp.back": ("返回分组", "Back to the group"),
    "grp.no_history": (
        "尚无成员变动记录：每次发布后刷新成员时记录。",
        "No membership history yet: it is recorded when members are refreshed after a publish.",
    ),
    "grp.trend": ("成员趋势", "Membership trend"),
    "grp.by_date": ("按日期", "By date"),
    "grp.date": ("日期", "Date"),
    "grp.entered": ("进入", "Entered"),
    "grp.left": ("离开", "Left"),
    "grp.members": ("成员数", "Members"),
    "grp.show_changes": ("查看明细", "Show changes"),
    "grp.changes_on": ("{date} 进出明细", "Entered and left on {date}"),
    "grp.no_changes": ("当日无进出", "No one entered or left on this date"),
    "grp.change": ("变动", "Change"),
    "grp.change.entered": ("进入", "Entered"),
    "grp.change.left": ("离开", "Left"),
    "grp.why": ("原因", "Why"),
    "grp.why.off": ("由满足变为不满足", "no longer met"),
    "grp.why.on": ("由不满足变为满足", "now met"),
    "grp.why.true": ("满足", "met"),
    "grp.why.was": ("原先满足", "was met"),
    "grp.leaf.alert": (
        "近{days}天出现提醒：{alerts}",
        "An alert in the last {days} days: {alerts}",
    ),
    "grp.leaf.team": ("由团队服务：{team}", "Served by team {team}"),
    "grp.leaf.staff": ("由员工服务：{staff}", "Served by {staff}"),
    "grp.leaf.no_contact": ("{days}天内无服务联系", "No service contact in {days} days"),
    "grp.leaf.in_group": ("属于客户群「{group}」", "Member of group “{group}”"),
    "grp.members_as_of": ("某日成员", "Members as of a date"),
    "grp.as_of_date": ("日期", "Date"),
    "grp.show": ("查看", "Show"),
    "grp.as_of_total": (
        "{date} 共 {n} 名成员（您的客户）",
        "{n} members (your customers) as of {date}",
    ),
    "grp.as_of_first": ("，显示前 {n} 名", ", the first {n} shown"),
    "grp.profile_totals": (
        "本群 {n} 人，您范围内的客户共 {book} 人",
        "{n} in the group, {book} customers in your scope",
    ),
    "grp.no_dimensions": (
        "已发布的画像中没有可比较的维度",
        "The published profile has no dimension to compare",
    ),
    "grp.bucket": ("分组", "Bucket"),
    "grp.in_group": ("本群人数", "In the group"),
    "grp.share_group": ("本群占比", "Share of the group"),
    "grp.in_book": ("全部客户", "In the book"),
    "grp.share_book": ("全部客户占比", "Share of the book"),
    "grp.lift": ("倍数", "Lift"),
    "grp.no_value": ("无值", "No value"),
    "grp.rest": ("其他", "Other"),
}

ACTIONS: dict[str, tuple[str, str]] = {
    "view_group_profile": ("查看群组画像", "Viewed a group profile"),
}

PURPOSES: dict[str, tuple[str, str]] = {
    "group_profile": ("群组画像", "Group profile"),
}
