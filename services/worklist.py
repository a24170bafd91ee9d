"""我的待办: what each role has to do now, as sections of plain items (no Streamlit here).

A reporter (填报员) sees, for its own units:

- **owed**: figures due for the current reporting quarter and the one before it that have not
  arrived (indicators.due / indicators.completeness: only due periods), with the deadline;
- **returned**: figures the office returned, with its comment and what to do;
- **pending**: figures awaiting the office's review;
- **warnings**: escalations (预警 / 督办, indicators.history) of the indicators the units lead.

The office (管理员) sees: units late this quarter, figures awaiting review, data-quality flags to
check (services.review.flags_to_check) and quarters ready to lock (every figure reviewed).

Extension point: other modules append their own sections, e.g. key tasks to report or notices
to answer::

    from services import worklist

    def notices_section(ctx: worklist.Context) -> worklist.Section | None: ...

    worklist.register(notices_section, roles=("reporter",))

A section function gets a :class:`Context` (database session, actor, plan, today, the unit names
of a reporter) and returns a :class:`Section` (or None when it has nothing to say for this role).
Sections are shown in the order registered; a section with no items shows its ``empty`` text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Indicator, Observation, Plan, Unit, Upload
from db.queries import PlanInfo, get_plan, load_plan_data, report_records
from indicators.periods import Period
from services.actor import Actor, ActorRole
from services.baselines import NO_BASELINE_KINDS
from services.review_queue import figure_text


@dataclass(frozen=True)
class Link:
    """A page of the app (its address, e.g. ``review``) with query parameters, and the button text."""

    page: str
    label: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Item:
    text: str  # one Chinese sentence: what, for which quarter, and the state
    detail: str = ""  # the office's comment, the reason of a flag, what to do
    due: dt.date | None = None
    urgent: bool = False  # overdue, returned, 督办
    link: Link | None = None
    key: str = ""  # stable identity (tests, widget keys)


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    empty: str = "没有需要处理的事项。"
    hint: str = ""  # one line under the title: what this section is for


@dataclass
class Context:
    session: Session
    actor: Actor
    plan: PlanInfo
    today: dt.date
    units: tuple[str, ...]  # a reporter's own units in this plan's jurisdiction (empty for others)
    _cache: dict = field(default_factory=dict, repr=False)

    def plan_data(self):
        """(PlanInfo, [IndicatorData]) of accepted figures, loaded once for all sections."""
        if "data" not in self._cache:
            self._cache["data"] = load_plan_data(self.session, self.plan.code)
        return self._cache["data"]


SectionFn = Callable[[Context], "Section | None"]
_SECTIONS: list[tuple[SectionFn, frozenset[str]]] = []


def register(fn: SectionFn, roles: Iterable[str] = ("reporter", "admin")) -> SectionFn:
    """Add a section function for the given roles (``reporter``, ``admin``, ``viewer``)."""
    _SECTIONS[:] = [(f, r) for f, r in _SECTIONS if f is not fn]
    _SECTIONS.append((fn, frozenset(roles)))
    return fn


def sections_for(role: str) -> list[SectionFn]:
    return [fn for fn, roles in _SECTIONS if role in roles]


# --------------------------------------------------------------------------- quarters


def current_quarter(plan: PlanInfo, today: dt.date) -> Period:
    """The assessment quarter: the latest whose reporting deadline has passed (within the plan)."""
    from services.progress import default_as_of

    return default_as_of(plan, today)


def reporting_quarter(plan: PlanInfo, today: dt.date) -> Period:
    """The quarter being reported now: the one after the assessment quarter (its deadline is
    still ahead), unless the plan has ended."""
    current = current_quarter(plan, today)
    nxt = current.shift(1)
    if plan.horizon_years and nxt > Period(max(plan.horizon_years), 4):
        return current
    return nxt


def _fmt(value: float | None, unit: str) -> str:
    from indicators.explain import fmt_quantity

    return fmt_quantity(value, unit, grouping=True)


def _days(n: int) -> str:
    return f"{n} 天"


# --------------------------------------------------------------------------- reporter sections


def _my_observations(ctx: Context, state: str) -> list[tuple[Observation, str, str, str, str, str]]:
    """Current (latest, not retracted) versions of my units' figures in ``state``: (observation,
    code, name, measure unit, unit, measure kind)."""
    query = (
        select(Observation, Indicator.code, Indicator.name, Indicator.measure_unit, Unit.name,
               Indicator.measure_kind)  # fmt: skip
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Unit, Unit.id == Observation.unit_id)
        .where(
            Indicator.plan_id == ctx.plan.id,
            Observation.review_state == state,
            Observation.superseded_by_id.is_(None),
            Observation.retracted.is_(False),
        )
        .order_by(Observation.period, Indicator.position, Unit.name)
    )
    if ctx.actor.role is ActorRole.REPORTER:
        query = query.where(Observation.unit_id.in_(ctx.actor.unit_ids or {-1}))
    return [tuple(row) for row in ctx.session.execute(query)]


def owed_section(ctx: Context) -> Section:
    """Figures my units owe for the reporting quarter (and the overdue ones of the quarter before)."""
    from indicators.completeness import LATE, MISSING, ON_TIME, PENDING, completeness

    plan, datas = ctx.plan_data()
    current, reporting = current_quarter(plan, ctx.today), reporting_quarter(plan, ctx.today)
    specs = {d.spec.code: d.spec for d in datas}
    mine = set(ctx.units)
    report = completeness(
        [s for s in specs.values() if mine & set(s.reporters)],
        report_records(ctx.session, plan.id), plan.settings, reporting, first=current, today=ctx.today,
    )  # fmt: skip
    items = []
    for o in sorted(report.obligations, key=lambda o: (o.deadline, o.indicator_code, o.unit)):
        if o.unit not in mine or o.state in (ON_TIME, LATE):
            continue
        spec = specs[o.indicator_code]
        left = (o.deadline - ctx.today).days
        if o.state == MISSING:
            state, urgent = f"已逾期 {_days(-left)}，请尽快报送", True
        else:
            assert o.state == PENDING
            state, urgent = ("今天截止" if left == 0 else f"还有 {_days(left)}"), left <= 3
        items.append(
            Item(
                f"{o.unit}：{o.period.label} {spec.code} {spec.name}，"
                f"截止 {o.deadline:%Y年%m月%d日}（{state}）",
                due=o.deadline,
                urgent=urgent,
                # the template of the quarter that asks for this figure (an annual statistic comes in
                # a later one), not the page's default quarter: a walker filled 2026Q3's for 2026Q4
                link=Link(
                    "upload", "去填报上传",
                    (("plan", plan.code), ("quarter", str(o.period.shift(max(0, spec.release_lag))))),
                ),  # fmt: skip
                key=f"owed/{o.indicator_code}/{o.unit}/{o.period}",
            )
        )
    return Section(
        "owed", f"本季度应报数据 · {reporting.label}", items,
        empty="本季度应报的数据都已报送。",
        hint="只列出到期应报的指标（按各指标的报送频次）；报送后在此消失。",
    )  # fmt: skip


def returned_section(ctx: Context) -> Section:
    items = []
    returned = _my_observations(ctx, "returned")
    upload_ids = {o.upload_id for o, *_ in returned if o.upload_id is not None}
    template_quarter = (  # the quarter of the template it came in (an annual figure comes in a later one)
        dict(ctx.session.execute(select(Upload.id, Upload.period).where(Upload.id.in_(upload_ids))).all())
        if upload_ids
        else {}
    )
    for obs, code, name, unit_of_measure, unit, kind in returned:
        quarter = template_quarter.get(obs.upload_id) or obs.period
        when = f"{obs.reviewed_at:%Y-%m-%d}" if obs.reviewed_at else ""
        by = obs.reviewed_by or "质量办"
        items.append(
            Item(
                f"{unit}：{Period.parse(obs.period).label} {code} {name} 报送的 "
                f"{figure_text(obs, unit_of_measure, kind)} 被退回",
                detail=f"质量办意见（{by}，{when}）：{obs.review_comment or '（无）'}。"
                f"请按意见核实更正，在“填报上传”下载{Period.parse(quarter).label}的模板、"
                "填写更正后的数值并重新上传；"
                "核实无误的，可按原值重新上传，并在备注中说明核实情况。"
                "重新提交后此项消失，由质量办再次审核。",
                urgent=True,
                link=Link("upload", "去更正上传", (("plan", ctx.plan.code), ("quarter", quarter))),
                key=f"returned/{obs.id}",
            )
        )
    return Section("returned", "被退回的数据", items, empty="没有被退回的数据。")


def pending_section(ctx: Context) -> Section:
    items = []
    for obs, code, name, unit_of_measure, unit, kind in _my_observations(ctx, "pending"):
        items.append(
            Item(
                f"{unit}：{Period.parse(obs.period).label} {code} {name}："
                f"{figure_text(obs, unit_of_measure, kind)}"
                f"（{obs.entered_at:%Y-%m-%d %H:%M} 报送，待质量办审核）",
                key=f"pending/{obs.id}",
            )
        )
    hint = "审核通过后计入总览；如被退回，会在“被退回的数据”中显示质量办的意见。"
    return Section("pending", "等待审核的数据", items, empty="没有等待审核的数据。", hint=hint)


def warnings_section(ctx: Context) -> Section:
    """预警 / 督办 of the indicators my units lead (consecutive quarters behind)."""
    from indicators.history import SUPERVISION, escalation_rule, escalations
    from indicators.vocabulary import Role
    from services.progress import quarter_histories

    plan, _datas = ctx.plan_data()
    current = current_quarter(plan, ctx.today)
    mine = set(ctx.units)
    items = []
    # each quarter against the targets in force at its end, as the 总览 and the 督办台账 judge it
    history = quarter_histories(ctx.session, plan.code, current)
    issued = _open_notices(ctx)
    for e in escalations(history, plan.settings, Role.LEAD):
        units = [u for u in e.units if u in mine]
        if not units:
            continue
        # the rule's signal is not a notice: "督办" here beside a 预警通知单 in 通知单待反馈 read as two
        # different decisions; the notice the office actually issued (if any) is named
        notices = [f"{n}（{lv}，{st}）" for u in units for n, lv, st in issued.get((u, e.key), [])]
        told = f"质量办已发出通知单：{'、'.join(notices)}。" if notices else "质量办尚未就此发出通知单。"
        items.append(
            Item(
                f"{'、'.join(units)}：{e.key} {e.name} 达到{e.level}条件（{e.why}，截至{e.as_of.label}）",
                detail=f"{e.reason}{'' if e.reason.endswith('。') else '。'}{told}" if e.reason else told,
                urgent=e.level == SUPERVISION,
                link=Link("indicator", "查看指标", (("plan", plan.code), ("indicator", e.key))),
                key=f"warning/{e.key}/{'|'.join(units)}",
            )
        )
    return Section(
        "warnings", "本单位牵头指标的预警与督办", items, empty="本单位牵头的指标没有预警或督办。",
        hint=f"{escalation_rule(plan.settings)}。",
    )  # fmt: skip


def _open_notices(ctx: Context) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(unit, indicator code) → the open notices (number, 预警/督办, state) of my units that list it."""
    from db.models import Notice, NoticeItem
    from services.notices import LEVELS, STATES

    rows = ctx.session.execute(
        select(Unit.name, NoticeItem.code, Notice.number, Notice.level, Notice.state)
        .join(Notice, Notice.id == NoticeItem.notice_id)
        .join(Unit, Unit.id == Notice.unit_id)
        .where(
            Notice.plan_id == ctx.plan.id,
            Notice.unit_id.in_(ctx.actor.unit_ids or {-1}),
            Notice.state.in_(["issued", "answered", "returned"]),
            NoticeItem.indicator_id.is_not(None),
        )
        .order_by(Notice.issued_on, Notice.id)
    )
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for unit, code, number, level, state in rows:
        out.setdefault((unit, code), []).append((number, LEVELS[level], STATES[state]))
    return out


# --------------------------------------------------------------------------- office sections


def late_units_section(ctx: Context) -> Section:
    from indicators.completeness import LATE, MISSING, completeness

    plan, datas = ctx.plan_data()
    current = current_quarter(plan, ctx.today)
    report = completeness(
        [d.spec for d in datas], report_records(ctx.session, plan.id), plan.settings, current,
        first=current, today=ctx.today,
    )  # fmt: skip
    # A unit with a figure still missing is something to chase; one that reported late has done
    # what it owed (its ▲ stays on 责任单位 and in the reporting rate): listed here it could never
    # leave the list the page says empties itself as things are dealt with.
    missing_by_unit: dict[str, list] = {}
    late_by_unit: dict[str, int] = {}
    for o in report.obligations:
        if o.state == MISSING:
            missing_by_unit.setdefault(o.unit, []).append(o)
        elif o.state == LATE:
            late_by_unit[o.unit] = late_by_unit.get(o.unit, 0) + 1
    items = []
    for unit, owed in sorted(missing_by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        late = late_by_unit.get(unit, 0)
        codes = "、".join(o.indicator_code for o in owed[:6]) + ("等" if len(owed) > 6 else "")
        items.append(
            Item(
                f"{unit}：{len(owed)} 项逾期未报（截止 {owed[0].deadline:%Y年%m月%d日}）"
                + (f"，另有 {late} 项已逾期报送" if late else ""),
                detail=f"未报指标：{codes}",
                urgent=True,
                link=Link("units", "查看单位", (("plan", plan.code), ("unit", unit))),
                key=f"late/{unit}",
            )
        )
    return Section(
        "late", f"本季度逾期未报的单位 · {current.label}", items, empty="本季度没有逾期未报的单位。"
    )


def review_section(ctx: Context) -> Section:
    by_unit: dict[str, int] = {}
    for _obs, _code, _name, _mu, unit, _kind in _my_observations(ctx, "pending"):
        by_unit[unit] = by_unit.get(unit, 0) + 1
    items = [
        Item(
            f"{unit}：{n} 条数据待审核",
            link=Link("review", "去审核", (("plan", ctx.plan.code),)),
            key=f"review/{unit}",
        )
        for unit, n in sorted(by_unit.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return Section("review", "待审核的数据", items, empty="没有待审核的数据。")


def flags_section(ctx: Context) -> Section:
    from services.review import flags_to_check

    items = [
        Item(
            f"{f['unit']}：{Period.parse(f['period']).label} {f['indicator_code']} {f['indicator']}："
            f"{_fmt(f['value'], f['measure_unit'])}",
            detail=f"待核实：{f['reason']}",
            link=Link("review", "去核实", (("plan", ctx.plan.code),)),
            key=f"flag/{f['id']}",
        )
        for f in flags_to_check(ctx.session, ctx.plan.code)
    ]
    return Section("flags", "待核实的数据", items, empty="没有待核实的数据。")


def lockable_quarters(session: Session, plan: PlanInfo, today: dt.date) -> list[Period]:
    """Quarters up to the assessment quarter, not locked, with figures, every one of them reviewed
    (none awaiting review, none returned and waiting for the unit's correction); newest first."""
    from services.review_queue import quarter_states

    return [q.period for q in quarter_states(session, plan.code, current_quarter(plan, today)) if q.ready]


def lock_section(ctx: Context) -> Section:
    items = [
        Item(
            f"{p.label}：数据已全部审核，可以锁定",
            link=Link("review", "去锁定", (("plan", ctx.plan.code), ("quarter", str(p)))),
            key=f"lock/{p}",
        )
        for p in lockable_quarters(ctx.session, ctx.plan, ctx.today)
    ]
    return Section(
        "lock", "可以锁定的季度", items, empty="没有可以锁定的季度。",
        hint="锁定后该季度的数据不能再修改，如需修改须由管理员说明理由解锁。",
    )  # fmt: skip


def missing_baselines(ctx: Context) -> list[tuple[str, str, tuple[str, ...], bool]]:
    """(code, name, lead units, a proposal awaits review) of each indicator whose path cannot be
    judged for want of a baseline (METHODOLOGY 十六: 无法评估 every quarter until its target year
    ends, so its unit was never warned; 六安's 森林覆盖率 was 无法评估 for three years, then 未完成)."""
    from db.models import Baseline, Indicator
    from indicators.status import assess_at, prepare
    from indicators.vocabulary import Status

    plan, datas = ctx.plan_data()
    waiting = set(
        ctx.session.scalars(
            select(Indicator.code)
            .join(Baseline, Baseline.indicator_id == Indicator.id)
            .where(Indicator.plan_id == plan.id, Baseline.review_state == "pending")
        )
    )
    out = []
    for item in datas:
        spec = item.spec
        if spec.baseline is not None or spec.measure_kind.value in NO_BASELINE_KINDS:
            continue
        p = prepare(item, plan.settings)
        if p.base is not None or not any(t.mode == "path" and not t.missing for t in p.progress):
            continue  # a target of unknown value (原文“*”) needs its value first, not a baseline
        if assess_at(p, current_quarter(plan, ctx.today)).status is Status.ACHIEVED:
            continue  # met: its verdict needs no path
        out.append((spec.code, spec.name, tuple(spec.lead_units), spec.code in waiting))
    return out


def _template_quarter_asking(ctx: Context, code: str) -> Period | None:
    """The quarter whose template has a row for ``code`` (where a unit writes a baseline proposal):
    the first from the reporting quarter on, else the last before it (六安's 森林覆盖率, an annual
    figure, is asked only in the 2026Q2 template)."""
    from services.imports.context import plan_context, template_quarters

    pctx = plan_context(ctx.session, ctx.plan.code)
    first, last = template_quarters(ctx.session, ctx.plan.code)
    start = max(reporting_quarter(ctx.plan, ctx.today), first)
    end = last or start.shift(8)
    forward = [start.shift(i) for i in range(max(0, end.index - start.index) + 1)]
    backward = [start.shift(-i) for i in range(1, max(0, start.index - first.index) + 1)]
    return next((q for q in forward + backward if pctx.owed(q).get(code)), None)


def baselines_section(ctx: Context) -> Section:
    """Indicators without a baseline: the reporter's own (it may propose one in its template), or
    all of them for the office (it enters them on 基准值与基期值)."""
    office = ctx.actor.role is ActorRole.ADMIN
    mine = set(ctx.units)
    items = []
    for code, name, leads, waiting in missing_baselines(ctx):
        units = [u for u in leads if office or u in mine]
        if not units:
            continue
        state = "单位提出的基期值待审核" if waiting else "缺少基期值"
        text = f"{'、'.join(units)}：{code} {name}：{state}，无法计算序时进度"
        if office:
            detail = "请在“基准值与基期值”页录入基期值（注明来源），或审核单位提出的基期值。"
            link = Link("benchmarks", "去录入", (("plan", ctx.plan.code),))
        else:
            quarter = _template_quarter_asking(ctx, code)
            where = f"{quarter.label}填报模板" if quarter else "填报模板"
            detail = (
                f"可在{where}该指标一行的“基期值”“基期年份”列填写（注明来源），经质量办审核后生效；"
                "生效后各季度按基期值重新评估序时进度。"
            )
            params = (("plan", ctx.plan.code),) + ((("quarter", str(quarter)),) if quarter else ())
            link = Link("upload", "去填报上传", params)
        items.append(Item(text, detail=detail, link=link, key=f"baseline/{code}"))
    return Section(
        "baselines", "缺少基期值的指标", items, empty="没有缺少基期值的指标。",
        hint="没有基期值就无法计算序时进度，这些指标在目标年底前不会提示滞后。",
    )  # fmt: skip


# most urgent first: what came back, what is owed; for the office what waits on it
register(returned_section, roles=("reporter",))
register(owed_section, roles=("reporter",))
register(pending_section, roles=("reporter",))
register(warnings_section, roles=("reporter",))
register(review_section, roles=("admin",))
register(flags_section, roles=("admin",))
register(late_units_section, roles=("admin",))
register(lock_section, roles=("admin",))
register(baselines_section, roles=("reporter", "admin"))

# the supervision loop (key tasks, notices) adds its sections here
from services import worklist_supervision  # noqa: E402,F401

# --------------------------------------------------------------------------- entry point


def reporter_units(session: Session, actor: Actor, plan: PlanInfo) -> tuple[str, ...]:
    if actor.role is not ActorRole.REPORTER or not actor.unit_ids:
        return ()
    jurisdiction = session.scalar(select(Plan.jurisdiction).where(Plan.id == plan.id))
    return tuple(
        session.scalars(
            select(Unit.name)
            .where(Unit.id.in_(actor.unit_ids), Unit.jurisdiction == jurisdiction)
            .order_by(Unit.name)
        )
    )


def work_list(session: Session, actor: Actor, plan_code: str, today: dt.date | None = None) -> list[Section]:
    """The sections of 我的待办 for ``actor`` in one plan (read-only: no write, nothing audited)."""
    plan = get_plan(session, plan_code)
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    ctx = Context(session, actor, plan, today or dt.date.today(), ())
    ctx.units = reporter_units(session, actor, plan)
    out = []
    for fn in sections_for(actor.role.value):
        section = fn(ctx)
        if section is not None:
            out.append(section)
    return out


def open_count(sections: Iterable[Section]) -> int:
    return sum(len(s.items) for s in sections)
