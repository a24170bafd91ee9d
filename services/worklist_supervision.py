"""我的待办 sections of the supervision loop (督办闭环), through the extension point of services/worklist.py.

A reporter sees the notices its units must answer (待反馈 / 已退回) and the key tasks whose progress
it owes for the reporting quarter or must correct; the office sees task progress awaiting review,
notice answers awaiting verification (销号) and 预警 notices whose answer is late (升级为督办).
Imported at the end of services/worklist.py, so every caller of ``work_list`` gets them.
"""

from __future__ import annotations

from indicators.periods import Period
from services import worklist
from services.worklist import Context, Item, Link, Section


def _plan_link(ctx: Context, page: str, label: str) -> Link:
    return Link(page, label, (("plan", ctx.plan.code),))


def notices_to_answer_section(ctx: Context) -> Section:
    from services.notices import unit_notices

    items = []
    for n in unit_notices(ctx.session, ctx.plan.code, ctx.actor.unit_ids or set(), ctx.today):
        left = (n["respond_by"] - ctx.today).days
        when = f"已逾期 {-left} 天" if n["late"] else ("今天截止" if left == 0 else f"还有 {left} 天")
        things = "；".join(f"{code} {name}" for code, name, _status, _reason in n["items"])
        detail = f"事项：{things}。" if things else ""
        if n["comment"]:
            detail += f"质量办退回意见：{n['comment']}。请按意见补充后重新反馈。"
        items.append(
            Item(
                f"{n['unit']}：{n['number']}（{n['level']}）待反馈，反馈期限 {n['respond_by']:%Y年%m月%d日}"
                f"（{when}）",
                detail=detail,
                due=n["respond_by"],
                urgent=n["late"] or bool(n["comment"]) or n["level"] == "督办",
                link=_plan_link(ctx, "unit_tasks", "去反馈"),
                key=f"notice/{n['id']}",
            )
        )
    return Section(
        "notices", "通知单待反馈", items, empty="没有待反馈的预警或督办通知单。",
        hint="反馈原因分析、整改措施和预计完成日期，并上传佐证材料；质量办核销后在此消失。",
    )  # fmt: skip


def tasks_owed_section(ctx: Context) -> Section:
    from services.tasks import unit_task_items

    items = []
    rows = unit_task_items(ctx.session, ctx.plan.code, ctx.actor.unit_ids or set(), ctx.today)
    for i in rows:
        if i["returned"]:
            _rid, period, comment = i["returned"][0]
            items.append(
                Item(
                    f"{i['unit']}：{Period.parse(period).label} {i['task_code']} {i['title']} 的进展被退回",
                    detail=f"质量办意见：{comment or '（无）'}。请更正后重新提交。",
                    urgent=True,
                    link=_plan_link(ctx, "unit_tasks", "去更正"),
                    key=f"task-returned/{i['task_code']}/{i['unit_id']}",
                )
            )
        elif i["todo"] == "待填报":
            flag = f"，{i['flag']}" if i["flag"] else ""
            late = (ctx.today - i["deadline"]).days
            flag += f"；已逾期 {late} 天" if late > 0 else ""
            items.append(
                Item(
                    f"{i['unit']}：{Period.parse(i['period']).label} {i['task_code']} {i['title']} "
                    f"进展待填报，截止 {i['deadline']:%Y年%m月%d日}（任务状态：{i['state']}{flag}）",
                    detail=f"时间节点：{i['nodes']}" if i["nodes"] else "",
                    due=i["deadline"],
                    urgent=bool(i["flag"]) or i["deadline"] < ctx.today,
                    link=_plan_link(ctx, "unit_tasks", "去填报"),
                    key=f"task-owed/{i['task_code']}/{i['unit_id']}/{i['period']}",
                )
            )
    return Section(
        "tasks", "重点任务进展", items, empty="本单位牵头的重点任务没有待填报或被退回的进展。",
        hint="牵头单位每季度填报进展情况和推进状态，并上传佐证材料；配合单位可在“任务填报与反馈”中补充。",
    )  # fmt: skip


def tasks_late_section(ctx: Context) -> Section:
    """The office's view of the reporters' overdue task progress: each lead unit whose quarterly
    progress report on a key task is past its deadline and not sent (a walker's reporter saw six
    such items "已逾期 52 天" while the office's list and 总览 showed nothing to chase)."""
    from sqlalchemy import select

    from db.models import Unit
    from services.tasks import unit_task_items

    unit_ids = set(ctx.session.scalars(select(Unit.id).where(Unit.jurisdiction == ctx.plan.jurisdiction)))
    late: dict[str, list[dict]] = {}
    for i in unit_task_items(ctx.session, ctx.plan.code, unit_ids, ctx.today):
        if i["todo"] == "待填报" and i["deadline"] < ctx.today:
            late.setdefault(i["unit"], []).append(i)
    items = []
    for unit, owed in sorted(late.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        codes = "、".join(i["task_code"] for i in owed[:6]) + ("等" if len(owed) > 6 else "")
        first = owed[0]
        days = (ctx.today - first["deadline"]).days
        items.append(
            Item(
                f"{unit}：{len(owed)} 项重点任务的{Period.parse(first['period']).label}进展逾期未报"
                f"（截止 {first['deadline']:%Y年%m月%d日}，已逾期 {days} 天）",
                detail=f"任务：{codes}",
                due=first["deadline"],
                urgent=True,
                link=_plan_link(ctx, "tasks", "查看台账"),
                key=f"task-late/{unit}",
            )
        )
    return Section(
        "task_late", "逾期未报的任务进展", items, empty="没有逾期未报的任务进展。",
        hint="牵头单位报送本季度进展后在此消失。",
    )  # fmt: skip


def tasks_to_review_section(ctx: Context) -> Section:
    from services.tasks import pending_reports

    items = [
        Item(
            f"{r['unit']}：{Period.parse(r['period']).label} {r['task_code']} {r['title']} 的进展待审核"
            f"（{r['status']}，佐证材料 {len(r['evidence'])} 个）",
            link=_plan_link(ctx, "tasks", "去审核"),
            key=f"task-review/{r['id']}",
        )
        for r in pending_reports(ctx.session, ctx.plan.code)
    ]
    return Section("task_review", "待审核的任务进展", items, empty="没有待审核的任务进展。")


def notices_to_verify_section(ctx: Context) -> Section:
    from services.notices import escalation_candidates, register_rows

    items = [
        Item(
            f"{r['责任单位']}：{r['编号']}（{r['级别']}）已反馈，待核销",
            detail=f"整改措施：{r['整改措施']}" if r["整改措施"] else "",
            link=_plan_link(ctx, "notices", "去核销"),
            key=f"notice-verify/{r['id']}",
        )
        for r in register_rows(ctx.session, ctx.plan.code, ctx.today, state="answered")
    ]
    items += [
        Item(
            f"{r['unit']}：{r['number']} 反馈期限 {r['respond_by']:%Y年%m月%d日} 已过，{r['why']}",
            detail="可在“督办台账”升级为督办。",
            urgent=True,
            link=_plan_link(ctx, "notices", "去督办"),
            key=f"notice-late/{r['id']}",
        )
        for r in escalation_candidates(ctx.session, ctx.plan.code, ctx.today)
    ]
    return Section("notice_verify", "通知单反馈与逾期", items, empty="没有待核销或逾期未反馈的通知单。")


worklist.register(notices_to_answer_section, roles=("reporter",))
worklist.register(tasks_owed_section, roles=("reporter",))
worklist.register(tasks_to_review_section, roles=("admin",))
worklist.register(tasks_late_section, roles=("admin",))
worklist.register(notices_to_verify_section, roles=("admin",))
