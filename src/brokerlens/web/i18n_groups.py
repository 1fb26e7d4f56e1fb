"""The words of customer groups' management (客户分组, issue 25), zh and en: static groups, their
members added by hand, shares with named colleagues; the audit actions and detail keys. `web.i18n`
merges them into its tables."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "grp.kind": ("类型", "Kind"),
    "grp.kind.dynamic": ("动态分组", "Dynamic group"),
    "grp.kind.static": ("静态分组", "Static group"),
    "grp.new_static": ("新建静态分组", "New static group"),
    "grp.new_static_hint": (
        "静态分组的成员由您手工添加：在客户列表勾选或“全部符合条件”、在客户全景页、或上传客户号清单。",
        "A static group holds the customers you add by hand: ticked or all matching on the "
        "customer list, from a customer's page, or by uploading a list of customer ids.",
    ),
    "grp.create": ("创建", "Create"),
    "grp.save": ("保存", "Save"),
    "grp.shared_read": ("共享给我（只读）", "Shared with me (read-only)"),
    "grp.shared_edit": ("共享给我（可编辑）", "Shared with me (editable)"),
    "grp.members_manage": ("管理成员", "Manage members"),
    "grp.remove_selected": ("移除所选客户", "Remove the selected customers"),
    "grp.add_ids": ("按客户号添加", "Add by customer id"),
    "grp.add_ids_hint": ("每行一个客户号", "One customer id a line"),
    "grp.add": ("添加", "Add"),
    "grp.upload": ("上传客户号清单", "Upload a list of customer ids"),
    "grp.upload_hint": (
        "CSV 或文本文件，每行一个客户号（首行可为表头），最大 4 MB；只添加您权限范围内的客户。",
        "CSV or text, one customer id a line (a header line optional), at most 4 MB; only "
        "customers in your scope are added.",
    ),
    "grp.upload_button": ("上传并添加", "Upload and add"),
    "grp.report": ("处理结果", "Result"),
    "grp.report.added": ("已添加 {n} 位客户", "{n} customers added"),
    "grp.report.removed": ("已移除 {n} 位客户", "{n} customers removed"),
    "grp.report.already": ("{n} 位已在分组中", "{n} already in the group"),
    "grp.report.not_members": ("{n} 位不在分组中", "{n} not in the group"),
    "grp.report.not_found": ("{n} 个客户号不存在", "{n} ids not found"),
    "grp.report.out_of_scope": ("{n} 个客户不在您的权限范围内", "{n} outside your scope"),
    "grp.report.more": ("（仅列出前 {n} 个）", "(the first {n} listed)"),
    "grp.back": ("返回分组", "Back to the group"),
    "grp.shares": ("共享给同事", "Shared with colleagues"),
    "grp.shares_none": ("尚未共享给任何同事", "Not shared with anyone by name"),
    "grp.share_user": ("同事用户名", "Colleague's username"),
    "grp.share_access": ("权限", "Access"),
    "grp.access.read": ("只读", "Read-only"),
    "grp.access.edit": ("可编辑", "Editable"),
    "grp.share": ("共享", "Share"),
    "grp.unshare": ("取消共享", "Revoke"),
    "grp.shared_by": ("共享人", "Shared by"),
    "grp.shares_hint": (
        "同事只能看到分组中属于其本人权限范围的客户；可编辑的同事可改名称、条件与成员，不能删除或再共享。",
        "A colleague sees only the members in their own scope; an editor may change the name, "
        "conditions and members, never delete or share the group.",
    ),
    "grp.add_to_group": ("加入客户分组", "Add to a group"),
    "grp.choose_group": ("选择静态分组", "Choose a static group"),
    "grp.no_static": (
        "您还没有可添加的静态分组。",
        "You have no static group to add to yet.",
    ),
    "grp.add_selected": ("添加勾选的客户", "Add the ticked customers"),
    "grp.add_all": ("添加全部符合条件的客户", "Add all matching customers"),
    "grp.select_row": ("选择", "Select"),
}


AUDIT_KEYS: dict[str, tuple[str, str]] = {
    "source": ("来源", "Source"),
    "added": ("添加人数", "Added"),
    "removed": ("移除人数", "Removed"),
    "unchanged": ("未变动", "Unchanged"),
    "not_found": ("不存在的客户号", "Ids not found"),
    "out_of_scope": ("权限外客户", "Outside scope"),
    "named": ("提交客户号数", "Ids named"),
    "user": ("同事", "Colleague"),
    "user_id": ("同事编号", "Colleague id"),
    "can_edit": ("可编辑", "Editable"),
}
