"""Recording figures: every change appends a version, nothing is overwritten."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.models import Indicator, Observation, Plan, Responsibility
from indicators.periods import Period
from services.actor import Action, Actor, ActorRole, PermissionDenied, require
from services.audit import record, record_rows
from services.review import ensure_unlocked


@dataclass(frozen=True)
class FigureInput:
    """One figure as entered: value plus what the measure kind needs."""

    indicator_id: int
    unit_id: int
    period: Period
    value: float | None
    field_size: int | None = None
    benchmark_value: float | None = None
    done_on: dt.date | None = None
    note: str = ""

    def same_as(self, obs: Observation) -> bool:
        return (  # a returned figure sent again unchanged is a resubmission: it goes back to review
            not obs.retracted
            and obs.review_state != "returned"
            and obs.value == self.value
            and obs.field_size == self.field_size
            and obs.benchmark_value == self.benchmark_value
            and obs.done_on == self.done_on
            and (obs.note or "") == (self.note or "")
        )


def version_states(versions: list[dict], include_pending: bool = False) -> list[str]:
    """The state of every listed figure version, as the progress engine counts it.

    ``versions`` are rows of ``db.queries.observation_history`` (``unit``, ``period``, ``version``,
    ``review_state``, ``retracted``). The version in use (``current``) of a unit's quarter is its
    latest *accepted* one, or its latest accepted or pending one with ``include_pending``, exactly
    as ``db.queries.current_observations`` picks it; a version awaiting review is ``pending``
    (``pending_counted`` when it is the one in use), a returned one ``returned``, a version that
    withdrew the figure (an undone upload) ``retracted``, an older accepted one ``superseded``.
    """
    counted = ("accepted", "pending") if include_pending else ("accepted",)
    in_use: dict[tuple, int] = {}
    for v in versions:
        if v["review_state"] in counted:
            key = (v["unit"], v["period"])
            in_use[key] = max(in_use.get(key, v["version"]), v["version"])
    states = []
    for v in versions:
        used = in_use.get((v["unit"], v["period"])) == v["version"]
        if v["review_state"] == "pending":
            states.append("pending_counted" if used else "pending")
        elif v["review_state"] == "returned":
            states.append("returned")
        elif v["retracted"]:
            states.append("retracted")
        else:
            states.append("current" if used else "superseded")
    return states


def current_version(session: Session, indicator_id: int, unit_id: int, period: Period) -> Observation | None:
    return session.scalar(
        select(Observation).where(
            Observation.indicator_id == indicator_id,
            Observation.unit_id == unit_id,
            Observation.period == str(period),
            Observation.superseded_by_id.is_(None),
        )
    )


def check_figure(session: Session, actor: Actor, figure: FigureInput) -> None:
    """What an entered figure must be, whoever calls (the upload validates its cells the same way,
    workbook/reader.py): a finite value (no NaN, no infinity), a whole number for an indicator
    counted in whole items, a quarter within the plan, and a unit responsible for the indicator —
    for a reporter, one that reports it. Raises ValueError (or PermissionDenied) with a Chinese
    message."""
    row = session.execute(
        select(Indicator.code, Indicator.whole_items, Indicator.measure_unit, Plan.first_period,
               Plan.horizon_years)  # fmt: skip
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Indicator.id == figure.indicator_id)
    ).first()
    if row is None:
        raise LookupError(f"没有编号为 {figure.indicator_id} 的指标")
    code, whole, measure_unit, first_period, horizon = row
    for label, number in (("数值", figure.value), ("基准值", figure.benchmark_value)):
        if number is not None and not math.isfinite(number):
            raise ValueError(f"{code} 的{label}不是有限的数字（非数值或无穷大）")
    if whole and figure.value is not None and figure.value != int(figure.value):
        raise ValueError(f"{code} 按整数计（{measure_unit}），请填写整数：{figure.value:g}")
    last = Period(max(int(y) for y in horizon), 4) if horizon else None
    if (first_period and figure.period < Period.parse(first_period)) or (last and figure.period > last):
        raise ValueError(f"{figure.period.label}不在计划期内")
    roles = session.execute(
        select(Responsibility.reports).where(
            Responsibility.indicator_id == figure.indicator_id, Responsibility.unit_id == figure.unit_id
        )
    ).scalars().all()
    if not roles or (actor.role is ActorRole.REPORTER and not any(roles)):
        raise PermissionDenied(f"该单位不负责报送指标 {code}", actor, Action.RECORD_FIGURE)


def record_figure(session: Session, actor: Actor, figure: FigureInput) -> Observation | None:
    """Append a new version of a figure entered by hand; return None when it equals the current one.

    A reporter's figure awaits review (``pending``); the office's own entries are ``accepted``;
    nobody chooses otherwise (uploads go through services.imports, demo figures through
    services.demo). A locked quarter refuses every change (PeriodLocked); :func:`check_figure`
    refuses what no unit can have reported.
    """
    require(actor, Action.RECORD_FIGURE, figure.unit_id)
    check_figure(session, actor, figure)
    ensure_unlocked(session, figure.indicator_id, figure.period)
    previous = current_version(session, figure.indicator_id, figure.unit_id, figure.period)
    if previous is not None and figure.same_as(previous):
        return None
    review_state = "pending" if actor.role is ActorRole.REPORTER else "accepted"
    source, file_name, upload_id, is_demo, file_sha256 = "manual", "", None, False, ""
    obs = Observation(
        indicator_id=figure.indicator_id,
        unit_id=figure.unit_id,
        period=str(figure.period),
        value=figure.value,
        field_size=figure.field_size,
        benchmark_value=figure.benchmark_value,
        done_on=figure.done_on,
        note=figure.note,
        version=(previous.version + 1) if previous else 1,
        supersedes_id=previous.id if previous else None,
        source=source,
        file_name=file_name,
        upload_id=upload_id,
        is_demo=is_demo,
        review_state=review_state,
        entered_by=actor.name,
        entered_unit_id=min(actor.unit_ids) if actor.unit_ids else None,
    )
    session.add(obs)
    session.flush()
    if previous is not None:
        previous.superseded_by_id = obs.id
        session.flush()
    record(
        session,
        actor,
        Action.RECORD_FIGURE.value,
        entity="observation",
        entity_key=f"{figure.indicator_id}/{figure.unit_id}/{figure.period}/v{obs.version}",
        before=_snapshot(previous),
        after=_snapshot(obs),
        file_sha256=file_sha256,
        detail=file_name or source,
    )
    return obs


def _snapshot(obs: Observation | None) -> dict | None:
    if obs is None:
        return None
    return {
        "value": obs.value,
        "field_size": obs.field_size,
        "benchmark_value": obs.benchmark_value,
        "done_on": obs.done_on.isoformat() if obs.done_on else None,
        "note": obs.note,
        "retracted": obs.retracted,
        "version": obs.version,
    }


def record_figures(
    session: Session,
    actor: Actor,
    figures: list[FigureInput],
    *,
    source: str = "file",
    file_name: str = "",
    upload_id: int | None = None,
    file_sha256: str = "",
) -> list[int]:
    """:func:`record_figure` for many figures at once (one query, batched inserts); returns new ids.

    Same rules: permission per unit, locked quarters refused, unchanged figures
    skipped, each change appended as a new version and audited.
    """
    if not figures:
        return []
    for unit_id in sorted({f.unit_id for f in figures}):
        require(actor, Action.RECORD_FIGURE, unit_id)
    seen: set[tuple[int, int, str]] = set()
    for f in figures:  # one version per figure: two of the same key would fork its version chain
        key = (f.indicator_id, f.unit_id, str(f.period))
        if key in seen:
            raise ValueError(f"同一指标、单位和季度（{f.period.label}）的数据重复出现")
        seen.add(key)
        check_figure(session, actor, f)
    for indicator_id, period in {(f.indicator_id, str(f.period)) for f in figures}:
        ensure_unlocked_cached(session, indicator_id, period)
    keys = {(f.indicator_id, f.unit_id, str(f.period)) for f in figures}
    periods = sorted({k[2] for k in keys})
    indicator_ids = sorted({k[0] for k in keys})
    current = {
        (obs.indicator_id, obs.unit_id, obs.period): obs
        for obs in session.scalars(
            select(Observation).where(
                Observation.indicator_id.in_(indicator_ids),
                Observation.period.in_(periods),
                Observation.superseded_by_id.is_(None),
            )
        )
        if (obs.indicator_id, obs.unit_id, obs.period) in keys
    }
    review_state = "pending" if actor.role is ActorRole.REPORTER else "accepted"
    entered_unit = min(actor.unit_ids) if actor.unit_ids else None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    changes: list[tuple[Observation | None, dict]] = []
    for figure in figures:
        previous = current.get((figure.indicator_id, figure.unit_id, str(figure.period)))
        if previous is not None and figure.same_as(previous):
            continue
        row = {
            "indicator_id": figure.indicator_id,
            "unit_id": figure.unit_id,
            "period": str(figure.period),
            "value": figure.value,
            "field_size": figure.field_size,
            "benchmark_value": figure.benchmark_value,
            "done_on": figure.done_on,
            "note": figure.note,
            "retracted": False,
            "version": (previous.version + 1) if previous else 1,
            "supersedes_id": previous.id if previous else None,
            "source": source,
            "file_name": file_name,
            "upload_id": upload_id,
            "is_demo": False,
            "review_state": review_state,
            "review_comment": "",
            "entered_by": actor.name,
            "entered_unit_id": entered_unit,
            "entered_at": now,
        }
        changes.append((previous, row))
    if not changes:
        return []
    # Core inserts (RETURNING ids in parameter order): thousands of figures without ORM overhead.
    ids = session.scalars(
        insert(Observation).returning(Observation.id, sort_by_parameter_order=True),
        [row for _, row in changes],
    ).all()
    links = [
        {"id": prev.id, "superseded_by_id": new_id}
        for (prev, _), new_id in zip(changes, ids, strict=True)
        if prev
    ]
    if links:
        session.execute(update(Observation), links)
    record_rows(
        session,
        [
            {
                "at": now,
                "actor": actor.name,
                "actor_role": actor.role.value,
                "action": Action.RECORD_FIGURE.value,
                "outcome": "ok",
                "plan_code": "",
                "unit": "",
                "entity": "observation",
                "entity_key": f"{row['indicator_id']}/{row['unit_id']}/{row['period']}/v{row['version']}",
                "before": _snapshot(previous),
                "after": _row_snapshot(row),
                "file_sha256": file_sha256,
                "detail": file_name or source,
            }
            for previous, row in changes
        ],
        actor,
    )
    session.expire_all()  # ORM objects loaded above no longer show the new links
    return list(ids)


def _row_snapshot(row: dict) -> dict:
    return {
        "value": row["value"],
        "field_size": row["field_size"],
        "benchmark_value": row["benchmark_value"],
        "done_on": row["done_on"].isoformat() if row["done_on"] else None,
        "note": row["note"],
        "retracted": False,
        "version": row["version"],
    }


def ensure_unlocked_cached(session: Session, indicator_id: int, period: str) -> None:
    """ensure_unlocked, once per (plan, period) within a session."""
    cache = session.info.setdefault("unlocked_checked", set())
    plan_id = session.info.setdefault("indicator_plan", {}).get(indicator_id)
    if plan_id is None:
        plan_id = session.scalar(select(Indicator.plan_id).where(Indicator.id == indicator_id))
        session.info["indicator_plan"][indicator_id] = plan_id
    if (plan_id, period) in cache:
        return
    ensure_unlocked(session, indicator_id, period)
    cache.add((plan_id, period))
