"""Every user-facing word of the interface that is not a domain word (those are indicators/vocabulary.py).

Stored codes (``pending``, ``file``, ``refused``, ``record_figure`` …) stay in the database; pages
show only the words here. Audit entries are shown as sentences (:func:`audit_sentence`).
"""

from __future__ import annotations

from typing import Any

REVIEW_STATE_LABELS = {
    "pending": "待审核",
    "accepted": "已通过",
    "returned": "已退回",
    "withdrawn": "已撤回",
    "confirmed": "确认完成",
}
# services.observations.version_states: whether a figure version is the one the dashboards judge on
VERSION_STATE_LABELS = {
    "current": "现行",
    "superseded": "已被替代",
    "pending": "待审核（未生效）",
    "pending_counted": "待审核（已计入）",  # 包含待审核数据 ticked: this page counts it
    "returned": "已退回",
    "retracted": "已撤回",
}
SOURCE_LABELS = {"file": "上传文件", "manual": "页面录入", "demo": "演示数据", "web": "页面填报"}
OUTCOME_LABELS = {"ok": "成功", "refused": "已拒绝"}
ROLE_WORDS = {"admin": "管理员", "reporter": "填报员", "viewer": "只读用户"}

# an unexpected failure of a page (ui/errors.py): the number is in the server's log with the traceback
UNEXPECTED_ERROR = (
    "页面出现意外错误，本次操作未完成。请刷新页面后重试；如仍出错，请联系系统管理员，"
    "并告知错误编号 {ref}（服务器日志中记有详细信息）。"
)

# a key task's 预警 / 督办 is a level the platform marks from the quarters past its time node, not a
# notice the office issued (those are on the 督办台账): a leader read "逾期（督办）70" as 70 notices
TASK_FLAG_NOTE = (
    "逾期（预警）、逾期（督办）是按时间节点过后的季度数自动标出的级别，提示应当预警或督办；"
    "质量办印发的通知单见“督办台账”。"
)

# widget texts Streamlit would otherwise show in English
MULTISELECT_PLACEHOLDER = "请选择（可多选）"
SELECT_PLACEHOLDER = "请选择"
TEXT_PLACEHOLDER = "请输入"

# a milestone indicator's figure is stored as 1 (done) / 0 (not yet): printed as these words, never "1" / "0"
MILESTONE_DONE, MILESTONE_OPEN = "已完成", "未完成"
# a 预警 / 督办 notice the briefing drafts from the engine's escalations: not issued until the office
# issues it on the 督办台账 page (services/notices.py), which numbers and logs it
DRAFT_NOTICE = "拟发"
DRAFT_NOTICE_NOTE = "拟发稿，尚未印发：经督办台账印发、编号后方为正式通知单"
NO_PACE = "不计序时进度"  # no 完成序时进度: a target to maintain, a milestone, a benchmark or a rank


def milestone_value(value: float | None) -> str | None:
    """已完成 / 未完成 for a milestone's stored 1 / 0; None when nothing is reported."""
    if value is None:
        return None
    return MILESTONE_DONE if value else MILESTONE_OPEN


def review_state_label(state: str | None) -> str:
    return REVIEW_STATE_LABELS.get(state or "", state or "")


def source_label(source: str | None) -> str:
    return SOURCE_LABELS.get(source or "", source or "")


DEMO_RECORD_SOURCE = "演示数据（demo）"  # services.demo.DEMO_SOURCE: what demo baselines are stored with


def record_source(text: str | None) -> str:
    """A baseline's or benchmark's 来源 as typed, but the demo figures' stored tag in words."""
    return "演示数据" if text == DEMO_RECORD_SOURCE else (text or "")


def outcome_label(outcome: str | None) -> str:
    return OUTCOME_LABELS.get(outcome or "", outcome or "")


# --------------------------------------------------------------------------- target revisions

OFFICE_PROPOSER = "质量办"  # who proposes the office's own changes made on 目标维护
REVISION_ORIGINS = {"consultation": "征求意见建议", "office": "质量办修改"}


def is_office_revision(rev: dict[str, Any]) -> bool:
    """A change the office made on 目标维护 (not a consultation proposal)."""
    from services.targets import OFFICE_SOURCE

    return rev.get("source") == OFFICE_SOURCE


def target_words(target: dict[str, Any], unit: str) -> str:
    """A target in words as every page writes it (``2027年 ≥ 5 家``, ui.formats.describe_target), with
    the plan's own wording after it when it says more (``2027年 ≥ 5 家（原文：新增5家以上）``)."""
    from ui.formats import describe_target

    words = describe_target(target, unit)
    own = (target.get("text") or "").strip()
    return f"{words}（原文：{own}）" if own and own not in words else words


def revision_words(rev: dict[str, Any]) -> dict[str, str]:
    """A row of ``db.queries.revision_rows`` in words: ``old`` and ``new`` target texts (the office's
    changes written from their targets as every page writes targets, ``2027年 ≥ 5 家``, also when an
    older version stored the raw comparator), ``proposer`` (质量办 for the office's own changes) and
    ``in_force``: which of the two applies now."""
    office = is_office_revision(rev)
    unit = rev.get("measure_unit", "")
    old, new = rev.get("old_text") or "", rev.get("proposed_text") or ""
    if office and rev.get("draft_target"):
        old = target_words(rev["draft_target"], unit)
    if office and rev.get("proposed_target"):
        new = target_words(rev["proposed_target"], unit)
    draft_on, proposed_on = rev.get("draft_in_force"), rev.get("proposed_in_force")
    adopted = rev.get("adopted")
    if office:
        in_force = "已被再次修改" if proposed_on is False else "修改后"
    elif proposed_on:
        in_force = "建议稿"
    elif draft_on:
        in_force = "原稿"
    elif proposed_on is None and draft_on is None:  # a wording or responsibility proposal: no targets
        in_force = "建议稿" if adopted == "yes" else "原稿"
    elif draft_on is None:  # a target the draft did not have, not in force
        in_force = "原稿"
    elif proposed_on is None and adopted == "yes":  # an adopted deletion
        in_force = "建议稿"
    else:  # both replaced since, e.g. by the office's own change
        in_force = "均已被替代"
    return {
        "origin": REVISION_ORIGINS["office" if office else "consultation"],
        "old": old,
        "new": new,
        "proposer": OFFICE_PROPOSER if office else (rev.get("proposer") or ""),
        "in_force": in_force,
        "reason": rev.get("reason") or "",
    }


# --------------------------------------------------------------------------- audit entries as sentences

_MORE_ACTIONS = {"logout": "退出登录", "unlock_user": "解除登录锁定"}


def audit_action_label(action: str) -> str:
    """The Chinese name of a stored audit action (ui.formats and services.actor name most)."""
    from ui.formats import audit_action_label as named

    return _MORE_ACTIONS.get(action) or named(action)


def _known_actions() -> list[str]:
    from services.actor import Action
    from ui.formats import _AUDIT_ACTIONS

    return list(dict.fromkeys([*(a.value for a in Action), *_AUDIT_ACTIONS, *_MORE_ACTIONS]))


AUDIT_ACTIONS = _known_actions()


def audit_names(url: str) -> dict[str, dict]:
    """Indicator (name, measure unit), unit and upload names by id, to name the figures and uploads
    of audit entries."""
    from sqlalchemy import select

    from db.models import Indicator, Unit, Upload
    from db.session import read_scope

    with read_scope(url) as session:
        rows = session.execute(select(Indicator.id, Indicator.name, Indicator.measure_unit))
        indicators = {i: (n, m) for i, n, m in rows}
        units = dict(session.execute(select(Unit.id, Unit.name)).all())
        uploads = upload_names(session.execute(select(Upload.id, Upload.file_name, Upload.created_at)).all())
    return {"indicators": indicators, "units": units, "uploads": uploads}


def upload_names(rows: list[tuple[int, str, Any]]) -> dict[int, tuple[str, str]]:
    """(id, file name, created at) of uploads → (file name, how a sentence names the upload): its
    file name, with ``（第2次上传）`` when that name was uploaded more than once; a batch without a
    file by its time. Never the bare database id."""
    rows = sorted(rows, key=lambda r: r[0])
    totals: dict[str, int] = {}
    for _, name, _ in rows:
        totals[name or ""] = totals.get(name or "", 0) + 1
    seen: dict[str, int] = {}
    named = {}
    for upload_id, name, created in rows:
        if not name:
            when = f"（{created:%Y-%m-%d %H:%M}）" if created else ""
            named[upload_id] = ("", f"页面录入的一批数据{when}")
            continue
        seen[name] = seen.get(name, 0) + 1
        named[upload_id] = (name, f"{name}（第{seen[name]}次上传）" if totals[name] > 1 else name)
    return named


def _num(value: Any, unit: str = "") -> str:
    from indicators.explain import fmt_quantity

    if isinstance(value, bool) or value is None or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    return fmt_quantity(float(value), unit, grouping=True)


def _period_label(text: str) -> str:
    from indicators.periods import Period

    try:
        return Period.parse(text).label
    except (ValueError, TypeError):
        return text


COMMAND_LINE = "manage.py"  # services.actor.system_actor: the office acting from the command line
COMMAND_LINE_WORDS = "命令行管理工具"


def actor_name(name: str | None) -> str:
    """An audit entry's actor as the page shows it: the command line by its Chinese name."""
    return COMMAND_LINE_WORDS if name == COMMAND_LINE else (name or "")


DEMO_ENTERER = "演示数据"


def entered_by_label(name: str | None, is_demo: bool = False) -> str:
    """Who entered a figure (填报人 / 录入人) as pages show it: demo figures were entered by no person
    (``manage.py demo load`` or the page's 加载演示数据), so they read 演示数据; the command line
    reads by its Chinese name; an account by its name."""
    return DEMO_ENTERER if is_demo else actor_name(name)


def _who(entry: dict[str, Any], unit: str) -> str:
    role = entry.get("actor_role", "")
    actor = actor_name(entry.get("actor", ""))
    if role == "reporter":
        return f"{unit}的填报员 {actor}" if unit else f"填报员 {actor}"
    if role == "admin":
        return f"管理员 {actor}"
    return f"{ROLE_WORDS.get(role, '')} {actor}".strip()


def _spaced(who: str) -> str:
    """``填报员 li`` + ``修改密码`` reads ``填报员 li 修改密码``: a space after a Latin name or digit."""
    return f"{who} " if who and who[-1].isascii() and who[-1].isalnum() else who


def _figure_value(snapshot: dict[str, Any] | None, unit: str) -> str:
    if not snapshot:
        return ""
    if snapshot.get("retracted"):
        return "（撤回）"
    if snapshot.get("done_on"):
        return f"已完成（{snapshot['done_on']}）"
    text = _num(snapshot.get("value"), unit)
    if snapshot.get("field_size"):
        text += f"（共 {snapshot['field_size']} 个单位排名）"
    return text


def audit_sentence(entry: dict[str, Any], names: dict[str, dict] | None = None) -> str:
    """One Chinese sentence for an audit entry.

    ``entry`` holds the stored fields (actor, actor_role, action, outcome, unit, entity,
    entity_key, before, after, detail); ``names`` maps ``"indicators"`` → {id: (name, measure
    unit)} and ``"units"`` → {id: name} to name the figure of an ``observation`` key
    (``indicator_id/unit_id/period/vN``).
    """
    names = names or {}
    action, outcome = entry.get("action", ""), entry.get("outcome", "ok")
    before, after = entry.get("before") or {}, entry.get("after") or {}
    detail = (entry.get("detail") or "").strip()
    unit = entry.get("unit") or ""
    what = ""
    measure = ""
    if entry.get("entity") == "observation":
        parts = (entry.get("entity_key") or "").split("/")
        if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
            name, measure = names.get("indicators", {}).get(int(parts[0]), (f"指标{parts[0]}", ""))
            unit = unit or names.get("units", {}).get(int(parts[1]), "")
            what = f"{_period_label(parts[2])} {name}"
    who = _spaced(_who(entry, unit))
    if outcome == "refused":
        label = audit_action_label(action)
        return f"{who}尝试{label}被拒绝" + (f"：{detail}" if detail else "")
    if action == "record_figure" and what:
        new = _figure_value(after, measure)
        source = f"，来源文件 {detail}" if detail and detail not in ("manual", "file", "demo") else ""
        if before:
            return f"{who}将 {what} 由 {_figure_value(before, measure)} 改为 {new}{source}"
        return f"{who}报送 {what}：{new}{source}"
    if action == "review" and what:
        state = review_state_label(after.get("review_state"))
        comment = after.get("comment") or ""
        return f"{who}审核 {unit} {what}：{state}" + (f"，意见：{comment}" if comment else "")
    if action == "clear_flag" and what:
        note = f"（{after.get('comment')}）" if after.get("comment") else ""
        return f"{who}核实 {unit} {what}：核实无误{note}"
    if action in ("lock_period", "unlock_period"):
        verb = "锁定" if action == "lock_period" else "解锁"
        reason = f"，理由：{detail}" if detail else ""
        return f"{who}{verb}{_period_label(entry.get('entity_key', ''))}{reason}"
    if action == "login":
        return f"{who}登录"
    if action == "logout":
        return f"{who}退出登录"
    label = audit_action_label(action)
    obj = entry.get("entity_key") or ""
    entity = entry.get("entity")
    named = obj and entity in ("user", "indicator", "upload", *_BY_INDICATOR)
    if named and entity in _BY_INDICATOR:  # "LB-PQ-02/2027-ge", "LA-PQ-04/2025Q4", "LB-PQ-06#12"
        code, _, rest = obj.replace("#", "/").partition("/")
        obj = code + (f" {_period_label(rest)}" if entity == "benchmark" and rest else "")
    if named and entry.get("entity") == "upload" and obj.isdigit():  # an upload's id: its file's name
        file_name, obj = names.get("uploads", {}).get(int(obj), ("", ""))  # unknown: not named at all
        if file_name and detail.startswith(f"{file_name}（"):  # "name（N 字节）": the name is said already
            detail = ""
    text = f"{who}{label}" + (f"：{obj}" if named and obj else "")
    changes = _changes(before, after)
    if changes:
        text += f"（{changes}）"
    if detail and len(detail) <= 200:
        text += f"。{detail}"
    return text


# entities whose key starts with the indicator's code: the audit sentence names the indicator
# (a target edit read only "修改目标或责任单位。<reason>", with neither the indicator nor 40 → 60)
_BY_INDICATOR = ("target", "responsibility", "revision", "baseline", "benchmark")

_FIELD_LABELS = {
    "value": "数值", "year": "年份", "role": "角色", "disabled": "停用", "review_state": "审核状态",
    "comment": "意见", "failed_attempts": "失败次数", "locked_until": "锁定至", "source": "来源",
    "figures": "数据条数", "baselines": "基期值条数", "benchmarks": "基准值条数", "unit_ids": "绑定单位",
    "target": "目标",
}  # fmt: skip


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    if isinstance(value, int | float):  # as entered, up to four decimals: 0.482, not 0.48
        from indicators.explain import figure_digits, fmt_quantity

        return fmt_quantity(float(value), "", grouping=True, digits=figure_digits(float(value)))
    if isinstance(value, str):
        return REVIEW_STATE_LABELS.get(value, ROLE_WORDS.get(value, value))
    if isinstance(value, list):
        return f"{len(value)} 项"
    return "…"


def _changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    """``数值 由 7 改为 9``, for the known fields only (never a raw dict)."""
    parts = []
    for key in list(dict.fromkeys([*before, *after])):
        if key not in _FIELD_LABELS:
            continue
        old, new = before.get(key), after.get(key)
        if key == "year":  # a year is not a quantity: 2024, not 2,024
            old, new = (str(v) if isinstance(v, int) else v for v in (old, new))
        if key in before and key in after:
            if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
                parts.append(f"{_FIELD_LABELS[key]}：{_plain(new)}")  # not "由 1 项 改为 1 项"
            elif old != new:
                parts.append(f"{_FIELD_LABELS[key]} 由 {_plain(old)} 改为 {_plain(new)}")
        elif key in after:
            parts.append(f"{_FIELD_LABELS[key]}：{_plain(new)}")
    return "，".join(parts)


def workbook_limit_words() -> str:
    """An Excel uploader's limit, as its label states it (the drop zone no longer says Streamlit's 200 MB)."""
    from workbook.limits import MAX_FILE_BYTES

    return f"单个文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB"


def office_change_row(rev: dict[str, Any]) -> dict[str, str]:
    """One row of a 质量办修改记录 table (指标详情, 计划与指标): an office change of a target in words."""
    from ui.formats import label

    w = revision_words(rev)
    return {"类型": label(rev["kind"]), "修改前": w["old"], "修改后": w["new"], "提出单位": w["proposer"],
            "理由": w["reason"], "现行": w["in_force"], "生效日期": rev["date"]}  # fmt: skip
