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
SOURCE_LABELS = {"file": "上传文件", "manual": "页面录入", "demo": "演示数据", "web": "页面填报"}
OUTCOME_LABELS = {"ok": "成功", "refused": "已拒绝"}
ROLE_WORDS = {"admin": "管理员", "reporter": "填报员", "viewer": "只读用户"}

# widget texts Streamlit would otherwise show in English
MULTISELECT_PLACEHOLDER = "请选择（可多选）"
SELECT_PLACEHOLDER = "请选择"
TEXT_PLACEHOLDER = "请输入"


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
    """Indicator (name, measure unit) and unit names by id, to name the figures of audit entries."""
    from sqlalchemy import select

    from db.models import Indicator, Unit
    from db.session import read_scope

    with read_scope(url) as session:
        rows = session.execute(select(Indicator.id, Indicator.name, Indicator.measure_unit))
        indicators = {i: (n, m) for i, n, m in rows}
        units = dict(session.execute(select(Unit.id, Unit.name)).all())
    return {"indicators": indicators, "units": units}


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
    named = obj and entry.get("entity") in ("user", "indicator", "upload")
    text = f"{who}{label}" + (f"：{obj}" if named else "")
    changes = _changes(before, after)
    if changes:
        text += f"（{changes}）"
    if detail and len(detail) <= 200:
        text += f"。{detail}"
    return text


_FIELD_LABELS = {
    "value": "数值", "year": "年份", "role": "角色", "disabled": "停用", "review_state": "审核状态",
    "comment": "意见", "failed_attempts": "失败次数", "locked_until": "锁定至", "source": "来源",
    "figures": "数据条数", "baselines": "基期值条数", "benchmarks": "基准值条数", "unit_ids": "绑定单位",
}  # fmt: skip


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    if isinstance(value, int | float):
        return _num(value)
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
        if key in before and key in after:
            if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
                parts.append(f"{_FIELD_LABELS[key]}：{_plain(new)}")  # not "由 1 项 改为 1 项"
            elif old != new:
                parts.append(f"{_FIELD_LABELS[key]} 由 {_plain(old)} 改为 {_plain(new)}")
        elif key in after:
            parts.append(f"{_FIELD_LABELS[key]}：{_plain(new)}")
    return "，".join(parts)
