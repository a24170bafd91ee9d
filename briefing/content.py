"""The briefing's numbers and sentences, assembled from a PlanProgress (no Streamlit, no SQL).

Every status, count and reason comes from the progress engine unchanged, so the
deck, the bulletin and the page say exactly what ``python manage.py status`` says.

Response date of a 预警通知单 (decision): **10 working days** after the notice
date, by the State Council's holiday notices (法定节假日 and 调休 workdays, from the
chinesecalendar package; indicators/workdays.py): the notice states the computed date.
The notice date is the briefing's date (``today``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from indicators import dashboard
from indicators.completeness import LATE, MISSING, ON_TIME, PENDING, completeness
from indicators.explain import fmt_ratio
from indicators.history import BEHIND_STATUSES, SUPERVISION, WARNING, escalations
from indicators.model import ReportRecord
from indicators.periods import Period
from indicators.rollup import UNCATEGORISED, score_rule_text
from indicators.status import Assessment
from indicators.vocabulary import MeasureKind, Role, Status
from ui.formats import format_figure, format_number
from ui.vocabulary import DRAFT_NOTICE, MILESTONE_DONE, milestone_value

RESPONSE_WORKING_DAYS = 10
GOOD_STATUSES = (Status.ACHIEVED, Status.ACHIEVED_LATE, Status.ON_TRACK)  # met (in time or late) or on track
AFTER_TARGET_YEAR = (Status.ACHIEVED_LATE, Status.NOT_ACHIEVED)  # named in sentences only when present
OFFICE = "质量发展委员会办公室"
DEMO_MARK = "演示数据"  # the watermark of every slide, chart image and document built on demo figures
DEMO_NOTE = "演示数据（非真实填报），仅供熟悉系统，不得作为正式材料印发"
CN_NUMERALS = "一二三四五六七八九十"


def cn_index(i: int) -> str:
    """1 → 一, 11 → 十一 (up to 99)."""
    if i <= 10:
        return CN_NUMERALS[i - 1]
    tens, ones = divmod(i, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def add_working_days(day: dt.date, n: int) -> dt.date:
    """``n`` working days after ``day`` by the State Council's holiday notices (chinesecalendar;
    the office's extra days apply to notice records, services.workdays)."""
    from indicators.workdays import WorkCalendar

    return WorkCalendar().add_working_days(day, n)


def campaign(level: str) -> str:
    """质量强县 / 质量强市 / 质量强省 from the plan's level (县, 市, 省)."""
    return f"质量强{level or '县'}"


@dataclass(frozen=True)
class NoticeItem:
    code: str
    name: str
    status: str
    streak: int
    since: str  # e.g. 2025年第4季度
    level: str  # 预警 or 督办
    current: str
    expected: str
    target: str
    ratio: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """One 预警通知单 (or 督办通知单 when an indicator is behind for twice the threshold) the engine
    proposes: a draft (拟发稿) until the office issues it on the 督办台账 (services/notices.py), which
    numbers and logs it; ``issued_on`` / ``respond_by`` are what they would be if issued today."""

    unit: str
    level: str
    items: tuple[NoticeItem, ...]
    issued_on: dt.date
    respond_by: dt.date

    @property
    def title(self) -> str:
        return f"{self.level}通知单"

    @property
    def draft_title(self) -> str:
        return f"{self.title}（{DRAFT_NOTICE}稿）"


@dataclass
class Briefing:
    plan_code: str
    jurisdiction: str
    plan_title: str
    level: str
    as_of: Period
    today: dt.date
    data_as_of: dt.datetime | None  # latest entry time of a figure counted (period ≤ as_of)
    escalation_quarters: int
    rows: list[dict[str, Any]]
    counts: dict[str, int]
    categories: dict[str, list[dict[str, Any]]]
    category_counts: dict[str, dict[str, int]]
    lagging: list[dict[str, Any]]  # every indicator 滞后/严重滞后/未报送, worst first
    achieved: list[dict[str, Any]]
    ranking: list[dict[str, Any]]  # lead units, most behind first
    report_rows: list[dict[str, Any]]  # per reporting unit: this quarter's obligations
    report_total: dict[str, Any]
    not_reported: dict[str, list[str]]  # unit → indicator codes missing for the quarter
    notices: list[Notice] = field(default_factory=list)  # drafts (拟发): see Notice
    # the supervision loop (services/briefing.py fills them): key tasks whose time node has passed
    # unfinished (rows of services.tasks.ledger_rows with 督办 = 预警/督办) and the notices of the
    # 督办台账 not yet closed (rows of services.notices.register_rows, state ≠ 已销号 / 已升级督办)
    overdue_tasks: list[dict[str, Any]] = field(default_factory=list)
    tasks_as_of: dt.date | None = None  # the day the tasks are judged on: the quarter's reporting deadline
    open_notices: list[dict[str, Any]] = field(default_factory=list)
    # notices actually issued (印发, logged on the 督办台账) on this quarter's monitoring (their as_of is
    # this quarter), any state: rows of services.notices.register_rows
    issued_notices: list[dict[str, Any]] = field(default_factory=list)
    notices_logged: int = 0  # every notice on the 督办台账, any quarter and state
    demo: bool = False  # the plan holds demo figures: every page, slide, chart and document says 演示数据

    # --- sentences ------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.as_of.label

    @property
    def bulletin_title(self) -> str:
        return (
            f"关于{self.as_of.year}年第{self.as_of.quarter}季度"
            f"{campaign(self.level)}建设目标任务推进情况的通报"
        )

    @property
    def deck_title(self) -> str:
        return f"{self.jurisdiction}{campaign(self.level)}建设目标任务推进情况汇报"

    @property
    def on_track_share(self) -> float | None:
        total = sum(self.counts.values())
        good = sum(self.counts.get(s.value, 0) for s in GOOD_STATUSES)
        return good / total if total else None

    def overall_sentence(self) -> str:
        c = self.counts
        parts = "、".join(
            f"{word}{c[s.value]}项"
            for s, word in (
                (Status.ACHIEVED, "已达标"),
                (Status.ACHIEVED_LATE, "逾期完成"),
                (Status.ON_TRACK, "正常推进"),
                (Status.BEHIND, "滞后"),
                (Status.SERIOUSLY_BEHIND, "严重滞后"),
                (Status.NOT_ACHIEVED, "未完成"),
                (Status.NOT_REPORTED, "未报送"),
                (Status.CANNOT_ASSESS, "无法评估"),
            )
            if s not in AFTER_TARGET_YEAR or c.get(s.value)
        )
        share = self.on_track_share
        late = "（含逾期完成）" if c.get(Status.ACHIEVED_LATE.value) else ""
        tail = "" if share is None else f"；已达标{late}和正常推进的指标占{fmt_ratio(share)}"
        return f"截至{self.label}，纳入监测的指标共{len(self.rows)}项，其中{parts}{tail}。"

    def achieved_sentence(self) -> str:
        """The indicators that reached their target, by category, by name: a bulletin of 45 codes in
        one run of text was not readable (the codes are in the deck's tables and the annex)."""
        if not self.achieved:
            return "截至本季度，尚无指标提前达到规划目标。"
        by_category: dict[str, list[str]] = {}
        for r in self.achieved:
            late = "（逾期完成）" if r["status"] == Status.ACHIEVED_LATE.value else ""
            by_category.setdefault(r["category"] or UNCATEGORISED, []).append(f"{r['name']}{late}")
        if len(by_category) == 1:
            return f"已达到规划目标的指标共{len(self.achieved)}项：{'、'.join(*by_category.values())}。"
        groups = "；".join(f"{name}{len(items)}项：{'、'.join(items)}" for name, items in by_category.items())
        return f"已达到规划目标的指标共{len(self.achieved)}项。其中，{groups}。"

    def lagging_sentence(self) -> str:
        if not self.lagging:
            return "截至本季度，没有进度滞后、严重滞后或未报送的指标。"
        c = self.counts
        ended = f"到期未完成{c[Status.NOT_ACHIEVED.value]}项、" if c.get(Status.NOT_ACHIEVED.value) else ""
        return (
            f"进度滞后或未报送的指标共{len(self.lagging)}项（{ended}严重滞后{c[Status.SERIOUSLY_BEHIND.value]}项、"
            f"滞后{c[Status.BEHIND.value]}项、未报送{c[Status.NOT_REPORTED.value]}项），具体情况如下："
        )

    def reporting_sentence(self) -> str:
        t = self.report_total
        if not t["expected"]:
            return f"{self.label}尚无到期的报送任务。"
        head = (
            f"{self.label}应报送数据{t['expected']}项，按时报送{t['on_time']}项、逾期报送{t['late']}项、"
            f"未报送{t['missing']}项，报送率{fmt_ratio(t['received'] / t['expected'])}。"
        )
        if not self.not_reported:
            return head + "各责任单位均已报送。"
        units = "、".join(self.not_reported)
        return head + f"截至通报日，以下{len(self.not_reported)}个单位尚未报送本季度数据：{units}。"

    def _units_behind(self) -> tuple[list[dict[str, Any]], int]:
        """The units with anything behind, and the rank of the fifth (every unit tied with it is named)."""
        behind = [u for u in self.ranking if u["score"] > 0]
        return behind, (behind[min(len(behind), 5) - 1]["rank"] if behind else 0)

    def unit_ranking_sentence(self) -> str:
        behind, cut = self._units_behind()
        if not behind:
            return "各牵头单位负责的指标均无滞后。"
        # the first five, and every unit tied with the fifth (市发改委 at 33.3 was left out while 市交通运输局
        # at 33.3 was named, and it was the one with a 督办)
        top = "、".join(f"{u['unit']}（滞后指数{u['score']:.1f}）" for u in behind if u["rank"] <= cut)
        return f"牵头指标存在滞后的单位共{len(behind)}个，滞后程度居前的是：{top}。"

    def unit_misses_sentence(self) -> str:
        """The index is a share of each unit's own indicators: a unit with many misses among many
        indicators ranks below one whose only indicator failed (市市场监管局, 7 of 28, 7th), so the unit
        with the most 未完成 and 严重滞后 is named with its count when it is not among those named."""
        behind, cut = self._units_behind()

        def failed(u: dict[str, Any]) -> int:
            return u.get("not_achieved", 0) + u["seriously_behind"]

        most = max(behind, key=failed, default=None)
        if most is None or failed(most) < 2 or most["rank"] <= cut:
            return ""
        share = fmt_ratio(failed(most) / most["indicators"])
        return (
            f"未完成和严重滞后的指标最多的是{most['unit']}（{failed(most)} 项，"
            f"占其牵头指标 {most['indicators']} 项的{share}）。"
        )

    def unit_sentence(self) -> str:
        """The bulletin's paragraph: the units most behind, the most misses, and how the index is made."""
        if not self._units_behind()[0]:
            return self.unit_ranking_sentence()
        return self.unit_ranking_sentence() + self.unit_misses_sentence() + score_rule_text() + "。"

    def escalation_sentence(self) -> str:
        """五、预警和督办: the rule, the notices actually issued (印发 and logged on the 督办台账) on this
        quarter, and the ones the engine proposes, said as proposals (拟向…发出): a draft is never
        counted as sent."""
        n = self.escalation_quarters
        issued = sorted(self.issued_notices, key=lambda r: (r["印发日期"], r["id"]))
        if not issued and not self.notices:
            return f"本季度没有连续{n}个季度及以上进度滞后或未报送、也没有到期未完成的指标，不发预警通知单。"
        rule = (
            f"对连续{n}个季度及以上进度滞后或未报送的指标，以及到期未完成的指标，向牵头单位发出预警通知单；"
            f"连续{2 * n}个季度及以上的，列入督办。"
        )
        if issued:
            by_level = [(w, sum(1 for r in issued if r["级别"] == w)) for w in (WARNING, SUPERVISION)]
            levels = "、".join(f"{w}{k}份" for w, k in by_level if k)
            units = len({r["责任单位"] for r in issued})
            listed = "、".join(f"{r['编号']}（{r['责任单位']}）" for r in issued)
            done = f"本季度已印发通知单{len(issued)}份（{levels}），涉及{units}个单位：{listed}。"
        else:
            done = "本季度尚未印发预警或督办通知单。"
        if self.notices:
            names = "、".join(f"{x.unit}（{x.level}）" for x in self.notices)
            more = "另" if issued else ""
            todo = f"经监测，{more}拟向{len(self.notices)}个单位发出通知单：{names}。"
        else:
            todo = "经监测，没有须另发通知单的指标。"
        return rule + done + todo

    def overdue_tasks_sentence(self) -> str:
        """六、: how many key tasks are past their time node, and that their progress is the office's
        accepted one (a report awaiting review is marked 待审核, never stated as fact)."""
        rows = self.overdue_tasks
        levels = "、".join(
            f"{w}{k}项" for w in (SUPERVISION, WARNING) if (k := sum(1 for r in rows if r["督办"] == w))
        )
        waiting = sum(1 for r in rows if r.get("待审核"))
        day = ""
        if self.tasks_as_of:
            deadline = f"（{self.label}数据报送截止日）" if self.tasks_as_of < self.today else ""
            day = f"截至{cn_date(self.tasks_as_of)}{deadline}，"
        head = f"{day}时间节点已过仍未经确认完成的重点任务{len(rows)}项（{levels}）。"
        basis = f"推进状态以{OFFICE}审核通过的进展为准"
        if waiting:
            basis += f"；其中{waiting}项有单位新报的进展尚待审核，标“待审核”，审核通过前不作为完成依据"
        return head + basis + "："

    def data_as_of_text(self) -> str:
        return self.data_as_of.strftime("%Y-%m-%d %H:%M") if self.data_as_of else "尚无填报数据"


def row_numbers(r: dict[str, Any]) -> dict[str, str]:
    """Display strings of one assessment row (current, expected, target, ratio)."""
    unit = r["measure_unit"]
    milestone = r.get("measure_kind") == MeasureKind.MILESTONE.value  # stored 1 / 0: printed in words
    target = "—"
    if r["target_value"] is not None:
        target = f"{r['target_year']}年 {format_figure(r['target_value'], unit)}"
    elif r["target_year"]:
        target = f"{r['target_year']}年" + (f" {MILESTONE_DONE}" if milestone else "")
    current = milestone_value(r["current_value"]) if milestone else None
    expected = format_number(r["expected_value"], unit)
    if r.get("measure_kind") == MeasureKind.RANK.value:  # places, as the reasons write them: 第 8 名
        place = "第 {:g} 名".format
        current = place(r["current_value"]) if r["current_value"] is not None else None
        expected = place(r["expected_value"]) if r["expected_value"] is not None else expected
        if r["target_value"] is not None:
            target = f"{r['target_year']}年 前 {r['target_value']:g} 名"
    return {
        "current": current or format_figure(r["current_value"], unit),
        "expected": expected,
        "target": target,
        "ratio": fmt_ratio(r["progress_ratio"]),
    }


def _notices(
    histories: Sequence[Sequence[Assessment]],
    rows_by_code: dict[str, dict[str, Any]],
    settings,
    today: dt.date,
) -> list[Notice]:
    """One notice per lead unit with indicators behind for ≥ escalation_quarters quarters."""
    by_unit: dict[str, list[NoticeItem]] = {}
    for e in escalations(histories, settings, Role.LEAD):
        if e.subject != "indicator":
            continue
        r = rows_by_code[e.key]
        nums = row_numbers(r)
        item = NoticeItem(
            e.key,
            e.name or r["name"],
            r["status"],
            e.streak,
            e.since.label,
            e.level,
            nums["current"],
            nums["expected"],
            nums["target"],
            nums["ratio"],
            r["reason"],
        )
        for unit in e.units or ("（未指定牵头单位）",):
            by_unit.setdefault(unit, []).append(item)
    respond_by = add_working_days(today, RESPONSE_WORKING_DAYS)
    out = []
    for unit, items in by_unit.items():
        items.sort(key=lambda i: (-i.streak, i.code))
        level = SUPERVISION if any(i.level == SUPERVISION for i in items) else WARNING
        out.append(Notice(unit, level, tuple(items), today, respond_by))
    out.sort(key=lambda n: (n.level != SUPERVISION, -max(i.streak for i in n.items), n.unit))
    return out


def build_content(
    progress,
    records: Sequence[ReportRecord],
    today: dt.date | None = None,
    demo: bool | None = None,
    histories: list[list[Any]] | None = None,
) -> Briefing:
    """Everything the briefing says, from a :class:`services.progress.PlanProgress`.

    ``demo``: whether the plan holds demo figures (default: whether any figure read is a demo one).
    ``histories``: each indicator's quarters (services.progress.quarter_histories, each quarter
    against its own targets); default: every quarter against the targets of ``progress``.
    """
    today = today or dt.date.today()
    plan, as_of, settings = progress.plan, progress.as_of, progress.plan.settings
    rows = [
        dashboard.assessment_row(a, d.spec) for d, a in zip(progress.data, progress.assessments, strict=True)
    ]
    counts = dashboard.status_counts(rows)
    categories: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        categories.setdefault(r["category"] or UNCATEGORISED, []).append(r)
    category_counts = {name: dashboard.status_counts(items) for name, items in categories.items()}
    lagging = dashboard.most_behind(rows, limit=len(rows))
    achieved = [r for r in rows if r["status"] in (Status.ACHIEVED.value, Status.ACHIEVED_LATE.value)]
    ranking = dashboard.unit_ranking(progress.assessments, Role.LEAD)

    times = [f.reported_at for d in progress.data for f in d.figures if f.period <= as_of and f.reported_at]
    data_as_of = max(times) if times else None

    specs = [d.spec for d in progress.data]
    report_rows: list[dict[str, Any]] = []
    not_reported: dict[str, list[str]] = {}
    total = {"expected": 0, "on_time": 0, "late": 0, "missing": 0, "pending": 0, "received": 0}
    if as_of >= settings.first_period:
        quarter = completeness(specs, records, settings, as_of, first=as_of, today=today)
        overall = completeness(specs, records, settings, as_of, today=today)
        for o in quarter.obligations:
            if o.state == MISSING:
                not_reported.setdefault(o.unit, []).append(o.indicator_code)
        for unit, rate in sorted(
            quarter.by_unit.items(), key=lambda kv: (-kv[1].missing, -kv[1].late, kv[0])
        ):
            cumulative = overall.by_unit.get(unit)
            report_rows.append(
                {
                    "unit": unit,
                    "expected": rate.expected,
                    "on_time": rate.on_time,
                    "late": rate.late,
                    "missing": rate.missing,
                    "pending": rate.pending,
                    "rate": rate.rate,
                    "cumulative_rate": cumulative.rate if cumulative else None,
                }
            )
        q = quarter.overall
        total = {
            "expected": q.expected,
            "on_time": q.on_time,
            "late": q.late,
            "missing": q.missing,
            "pending": q.pending,
            "received": q.received,
        }
    if histories is None:  # each quarter against the targets in force at its end (services.briefing)
        histories = dashboard.histories(progress.data, settings, as_of)
    rows_by_code = {r["code"]: r for r in rows}
    notices = _notices(histories, rows_by_code, settings, today)
    return Briefing(
        plan_code=plan.code,
        jurisdiction=plan.jurisdiction,
        plan_title=plan.title,
        level=plan.level,
        as_of=as_of,
        today=today,
        data_as_of=data_as_of,
        escalation_quarters=settings.escalation_quarters,
        rows=rows,
        counts=counts,
        categories=categories,
        category_counts=category_counts,
        lagging=lagging,
        achieved=achieved,
        ranking=ranking,
        report_rows=report_rows,
        report_total=total,
        not_reported=not_reported,
        notices=notices,
        demo=any(f.is_demo for d in progress.data for f in d.figures) if demo is None else demo,
    )


__all__ = [
    "LATE",
    "MISSING",
    "OFFICE",
    "ON_TIME",
    "PENDING",
    "RESPONSE_WORKING_DAYS",
    "BEHIND_STATUSES",
    "Briefing",
    "Notice",
    "NoticeItem",
    "add_working_days",
    "build_content",
    "campaign",
    "cn_date",
    "cn_index",
    "row_numbers",
]
