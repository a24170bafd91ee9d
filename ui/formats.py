"""Chinese display formats shared by pages, charts and exports."""

from __future__ import annotations

import re

from indicators.explain import figure_digits, fmt_quantity
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


def format_figure(value: float | None, unit: str = "") -> str:
    """A reported figure or a target as it was written, up to four decimals (``0.392 吨标准煤/万元``):
    two decimals print 0.392 and a control line of 0.388 both as 0.39, and a row "当前值 0.39,
    目标 0.39, 未完成" contradicts itself. Computed values (应达值) keep :func:`format_number`."""
    if value is None:
        return format_number(value, unit)
    return fmt_quantity(value, unit, grouping=True, digits=figure_digits(value))


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
    """``未完成、严重滞后 3 分，未报送 2 分，滞后 1 分``: the 滞后指数 weights (indicators.rollup)."""
    from indicators.rollup import severity_weights_text as words

    return words()


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


# --- Short names (the traffic-light matrix, where a cell holds at most two short lines) ----------
# One rule for every plan: brackets and quotes go, a leading verb of the plan's wording (培育, 新增,
# 建成 …) goes, then, only while the name is still longer than the limit, common long phrases are
# shortened in order; what is still too long ends in "…". The full name stays in the hover and in
# every table.
SHORT_NAME_LIMIT = 10
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_QUOTES = re.compile(r"[“”\"‘’「」《》]")
_LEADING_VERBS = ("主导或参与", "每年完成", "开展", "培育", "新增", "建成", "创建", "争创", "获得", "实现",
                  "设立", "通过", "认证")  # fmt: skip
_LONG_PHRASES = (
    ("质量基础设施一站式质量服务站", "服务站"),
    ("质量基础设施一站式综合服务平台", "一站式平台"),
    ("国务院和省政府下达的", ""),
    ("质量强国纲要等", ""),
    ("并纳入干部教育培训", ""),
    ("国家、行业、地方", ""),
    ("专精特新小巨人", "小巨人"),
    ("质量安全一网追溯", "一网追溯"),
    ("产品质量监督抽查", "产品抽查"),
    ("监督抽查", "抽查"),
    ("生产企业", "企业"),
    ("获证食品企业", "食品企业"),
    ("质量安全抽检", "抽检"),
    ("事故死亡率", "死亡率"),
    ("一次验收", ""),
    ("试点示范项目", "试点项目"),
    ("工程项目质量", "工程"),
    ("工程项目", "工程"),
    ("公路工程", "公路"),
    ("交通建设和养护改善", "交通养护"),
    ("其他交通", "交通"),
    ("执行65%节能标准比例", "节能65%"),
    ("新建居住建筑", "居住建筑"),
    ("新建公共建筑", "公共建筑"),
    ("占城镇新建建筑比例", "占比"),
    ("有效实施卓越绩效管理模式比例", "卓越绩效比例"),
    ("占全市经济总量比重", "比重"),
    ("生产性和生活性服务业", "服务业"),
    ("公共服务质量监测结果", "公共服务质量"),
    ("和绿色餐饮", "餐饮"),
    ("高质量发展研究院", "高质量研究院"),
    ("首席质量官制度推行率", "首席质量官"),
    ("质量发展基金", "质量基金"),
    ("年递增率", "递增率"),
    ("的县区数", "县区"),
    ("验收", ""),
    ("安徽省", ""),
    ("拥有量", ""),
    ("获奖数", "奖"),
)


def short_name(name: str, limit: int = SHORT_NAME_LIMIT) -> str:
    """An indicator's name in ≤ ``limit`` characters (工业产品质量监督抽查合格率 → 工业产品抽查合格率)."""
    s = _QUOTES.sub("", _BRACKETS.sub("", name or "")).strip()
    for verb in _LEADING_VERBS:
        if s.startswith(verb) and len(s) - len(verb) >= 3 and s[len(verb)] != "区":  # 建成区 is a noun
            s = s[len(verb) :]
            break
    for long, short in _LONG_PHRASES:
        if len(s) <= limit:
            break
        s = s.replace(long, short)
    if len(s) > limit and s.endswith("数"):
        s = s[:-1]
    return s if len(s) <= limit else s[: limit - 1] + "…"


def wrap_chars(text: str, width: int, separator: str = "<br>") -> str:
    """Break ``text`` every ``width`` characters (Chinese has no spaces to break at)."""
    return separator.join(text[i : i + width] for i in range(0, len(text), width)) or text


def quarter_words(period: str) -> str:
    """``2025Q1`` → ``2025年1季度``: chart axes name quarters in Chinese too."""
    year, _, quarter = str(period).partition("Q")
    return f"{year}年{quarter}季度"


def consultation_row(rev: dict, words: dict[str, str], *, indicator: bool = False) -> dict[str, str]:
    """One row of a 征求意见修改记录 table (计划与指标, 指标详情); ``words``: ui.vocabulary.revision_words.
    ``indicator`` adds the indicator and the reason (the plan-wide table)."""
    row = {"指标": f"{rev['indicator_code']} {rev['indicator']}"} if indicator else {}
    row |= {"类型": label(rev["kind"]), "原稿": words["old"], "建议": words["new"],
            "提出单位": words["proposer"], "是否采纳": label(rev["adopted"]),
            "现行": words["in_force"]}  # fmt: skip
    if indicator:
        row["原因/理由"] = rev["reason"]
    row["日期"] = rev["date"]
    return row
