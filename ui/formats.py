"""Chinese display formats shared by pages, charts and exports."""

from __future__ import annotations

from indicators.explain import fmt_quantity
from indicators.vocabulary import LABELS, Comparator

COMPARATOR_SYMBOLS = {
    Comparator.GE: "≥",
    Comparator.GT: ">",
    Comparator.LE: "≤",
    Comparator.LT: "<",
    Comparator.EQ: "=",
}
BENCHMARK_WORDS = {
    Comparator.BELOW_BENCHMARK: "低于",
    Comparator.ABOVE_BENCHMARK: "高于",
    Comparator.NOT_ABOVE_BENCHMARK: "不高于",
    Comparator.NOT_BELOW_BENCHMARK: "不低于",
}


def format_number(value: float | None, unit: str = "") -> str:
    """``98.5%``, ``1,000 个``; ``—`` for None; at most two decimals, no trailing zeros."""
    return fmt_quantity(value, unit, grouping=True)


def describe_target(target: dict, unit: str) -> str:
    """A target in words: ``2025年 ≥ 98%``, ``2027年 1–2 家``, ``2025年 低于全省平均``."""
    comparator = Comparator(target["comparator"])
    year = f"{target['year']}年" + ("前每年" if target.get("each_year") else "")
    prefix = "新增" if target.get("basis") == "increase" else ""
    if comparator is Comparator.MILESTONE:
        return f"{year} 完成：{target.get('text') or '里程碑'}"
    if comparator in BENCHMARK_WORDS:
        return f"{year} {BENCHMARK_WORDS[comparator]}{target.get('benchmark') or '基准'}"
    if comparator is Comparator.RANK:
        value = target["value"] or 0
        share = f"前 {value:g} 位" if value > 1 else "前 " + format_number(value * 100, "%")
        return f"{year} 位次：{target.get('text') or share}"
    if target.get("value") is None:
        return f"{year} {target.get('text') or ''}（目标值未定）".strip()
    if comparator is Comparator.RANGE:
        low = format_number(target["value"])
        return f"{year} {prefix}{low}–{format_number(target['value_high'], unit)}"
    symbol = COMPARATOR_SYMBOLS[comparator]
    stay = "（保持）" if target.get("maintain") else ""
    return f"{year} {prefix}{symbol} {format_number(target['value'], unit)}{stay}"


def label(value: str) -> str:
    return LABELS.get(value, value)


_AUDIT_ACTIONS = {
    "propose_baseline": "提交基期值建议",
    "review_baseline": "审核基期值建议",
    "login": "登录",
    "change_password": "修改密码",
    "create_user": "创建账户",
    "reset_password": "重置密码",
    "disable_user": "停用账户",
    "enable_user": "启用账户",
    "upload": "上传文件",
}


def audit_action_label(action: str) -> str:
    """Chinese name of an audit-log action (the stored code stays stable)."""
    from services.actor import ACTION_LABELS, Action

    if action in _AUDIT_ACTIONS:
        return _AUDIT_ACTIONS[action]
    try:
        return ACTION_LABELS[Action(action)]
    except ValueError:
        return action


def unit_ranking_table(
    ranking: list[dict], unit_header: str = "单位", count_header: str = "牵头指标", parts: bool = True
):
    """The unit ranking as the table the pages show; ``parts`` adds the counts behind 滞后指数
    (left out where a chart beside the table already shows them)."""
    import pandas as pd

    rows = []
    for u in ranking:
        row = {"排名": u["rank"], unit_header: u["unit"], "滞后指数": round(u["score"], 1)}
        if parts:
            row.update(
                {
                    "未完成": u.get("not_achieved", 0),
                    "严重滞后": u["seriously_behind"],
                    "未报送": u["not_reported"],
                    "滞后": u["behind"],
                }
            )
        row[count_header] = f"{u['indicators']:,} 项"
        rows.append(row)
    return pd.DataFrame(rows)


def severity_weights_text() -> str:
    """``未完成、严重滞后 3 分，未报送 2 分，滞后 1 分``: the 滞后指数 weights, from the engine's table."""
    from indicators.dashboard import DISPLAY_ORDER
    from indicators.rollup import SEVERITY_WEIGHTS

    by_weight: dict[int, list[str]] = {}
    for status in DISPLAY_ORDER:
        if SEVERITY_WEIGHTS.get(status):
            by_weight.setdefault(SEVERITY_WEIGHTS[status], []).append(status.value)
    return "，".join(f"{'、'.join(words)} {w} 分" for w, words in sorted(by_weight.items(), reverse=True))


def reporting_frequency_text(frequency: str, release_lag: int = 0) -> str:
    """``按季度``, ``按年度（次年第2季度报送）``: when an indicator's figure is due."""
    text = label(frequency or "quarterly")
    lag = int(release_lag or 0)
    if frequency == "annual" and 1 <= lag <= 4:
        return f"{text}（次年第{lag}季度报送）"
    if frequency == "annual" and lag == 0:
        return f"{text}（第4季度报送）"
    if frequency == "half_yearly" and lag == 0:
        return f"{text}（第2、4季度报送）"
    return f"{text}（滞后 {lag} 个季度报送）" if lag else text


def counting_text(figure_basis: str, whole_items: bool = False) -> str:
    """``累计数，按整数计``: how a figure is counted."""
    text = label(figure_basis or "level")
    return f"{text}，按整数计" if whole_items else text
