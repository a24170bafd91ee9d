"""Who is acting, and what each role may do.

Every write in the service layer takes an :class:`Actor` and calls
:func:`require` before touching the database, so that sign-in (accounts, roles)
only has to build the Actor: the checks are already where the writes are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ActorRole(StrEnum):
    ADMIN = "admin"  # 管理员: the commission office
    REPORTER = "reporter"  # 填报员: bound to one or more units
    VIEWER = "viewer"  # 只读: leaders


class Action(StrEnum):
    LOAD_CATALOGUE = "load_catalogue"
    MANAGE_DEMO = "manage_demo"
    RECORD_FIGURE = "record_figure"  # manual entry or upload of a unit's figures
    UNDO_UPLOAD = "undo_upload"
    EDIT_TARGET = "edit_target"  # targets, responsible units, revisions
    REVIEW = "review"  # accept or return reported figures
    LOCK_PERIOD = "lock_period"
    UNLOCK_PERIOD = "unlock_period"
    MANAGE_ACCOUNTS = "manage_accounts"
    READ_AUDIT = "read_audit"
    RECORD_BENCHMARK = "record_benchmark"  # the office's benchmarks (全省平均, 省控目标)
    RECORD_BASELINE = "record_baseline"  # the office's baselines (a unit only proposes one)
    CLEAR_FLAG = "clear_flag"  # 核实无误 on a data-quality flag
    # supervision loop (督办闭环)
    REPORT_TASK = "report_task"  # a unit's quarterly progress on a key task, with evidence
    REVIEW_TASK = "review_task"  # accept, return or confirm completion of task progress
    ISSUE_NOTICE = "issue_notice"  # 预警 / 督办 notices, escalation
    ANSWER_NOTICE = "answer_notice"  # the unit's answer: causes, 整改措施, expected date, evidence
    VERIFY_NOTICE = "verify_notice"  # 销号 or return an answer
    MANAGE_CONTACTS = "manage_contacts"  # units' contact persons
    SEND_REMINDERS = "send_reminders"
    LOAD_CALENDAR = "load_calendar"  # the office's CSV of working days / days off


ACTION_LABELS = {
    Action.LOAD_CATALOGUE: "加载计划目录",
    Action.MANAGE_DEMO: "管理演示数据",
    Action.RECORD_FIGURE: "填报数据",
    Action.UNDO_UPLOAD: "撤销上传",
    Action.EDIT_TARGET: "修改目标或责任单位",
    Action.REVIEW: "审核数据",
    Action.LOCK_PERIOD: "锁定季度",
    Action.UNLOCK_PERIOD: "解锁季度",
    Action.MANAGE_ACCOUNTS: "管理账户",
    Action.READ_AUDIT: "查看审计日志",
    Action.RECORD_BENCHMARK: "录入基准值",
    Action.RECORD_BASELINE: "录入基期值",
    Action.CLEAR_FLAG: "核实待核实数据",
    Action.REPORT_TASK: "填报重点任务进展",
    Action.REVIEW_TASK: "审核重点任务进展",
    Action.ISSUE_NOTICE: "发出预警或督办通知单",
    Action.ANSWER_NOTICE: "反馈通知单整改情况",
    Action.VERIFY_NOTICE: "核销或退回通知单反馈",
    Action.MANAGE_CONTACTS: "维护单位联系人",
    Action.SEND_REMINDERS: "发送提醒",
    Action.LOAD_CALENDAR: "载入工作日调整表",
}

ROLE_LABELS = {ActorRole.ADMIN: "管理员", ActorRole.REPORTER: "填报员", ActorRole.VIEWER: "只读"}

# Actions a role may take; reporters are further limited to their own units (_UNIT_BOUND).
_ALLOWED: dict[ActorRole, frozenset[Action]] = {
    ActorRole.ADMIN: frozenset(Action),
    ActorRole.REPORTER: frozenset(
        {Action.RECORD_FIGURE, Action.UNDO_UPLOAD, Action.REPORT_TASK, Action.ANSWER_NOTICE}
    ),
    ActorRole.VIEWER: frozenset(),
}
_UNIT_BOUND = frozenset({Action.RECORD_FIGURE, Action.UNDO_UPLOAD, Action.REPORT_TASK, Action.ANSWER_NOTICE})


class PermissionDenied(PermissionError):
    """A refused write; carries what was attempted so that the refusal can be audited."""

    def __init__(
        self,
        message: str,
        actor: Actor | None = None,
        action: Action | None = None,
        unit_id: int | None = None,
    ):
        super().__init__(message)
        self.actor, self.action, self.unit_id = actor, action, unit_id


@dataclass(frozen=True)
class Actor:
    """The acting user. ``unit_ids`` bind a reporter to the units it reports for.

    ``account`` is true for an Actor built from an account at sign-in: its writes are refused
    once the account is disabled or gone (services.audit.ensure_account_active). The command
    line and first start act as Actors that are no account.
    """

    name: str
    role: ActorRole
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    account: bool = field(default=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.name}（{ROLE_LABELS[self.role]}）"


def system_actor(name: str = "manage.py") -> Actor:
    """The administrator acting from the command line or at first start."""
    return Actor(name=name, role=ActorRole.ADMIN)


def is_allowed(actor: Actor, action: Action, unit_id: int | None = None) -> bool:
    if action not in _ALLOWED[actor.role]:
        return False
    if actor.role is ActorRole.REPORTER and action in _UNIT_BOUND:
        return unit_id is not None and unit_id in actor.unit_ids
    return True


def require(actor: Actor, action: Action, unit_id: int | None = None) -> None:
    """Raise :class:`PermissionDenied` (with a Chinese message) unless allowed."""
    if not is_allowed(actor, action, unit_id):
        what = ACTION_LABELS.get(action, action.value)
        if actor.role is ActorRole.REPORTER and action in _UNIT_BOUND:
            what += "（只能填报本单位的数据）"
        raise PermissionDenied(f"{actor.label} 无权{what}", actor, action, unit_id)
