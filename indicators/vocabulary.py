"""The controlled vocabulary of the model: measure kinds, comparators, roles, statuses.

Values are the stable strings stored in the database and the catalogue files;
``LABELS`` give the Chinese words shown to users.
"""

from __future__ import annotations

from enum import StrEnum


class MeasureKind(StrEnum):
    RATE = "rate"  # 合格率/覆盖率/满意率: a level at a date, in %
    LEVEL = "level"  # any other level at a date (e.g. an index value)
    NEW_SINCE_BASELINE = "new_since_baseline"  # 新增 … 个: cumulative count of new items since the baseline
    STOCK = "stock"  # 总数/拥有量: a stock total
    PER_CAPITA = "per_capita"  # 每万人口 …: a ratio per population
    RANK = "rank"  # 排全省中上位次: a rank within a field of units
    MILESTONE = "milestone"  # yes/no: done or not yet
    SCORE = "score"  # 满意度 … 分: a score on a scale
    RATIO = "ratio"  # 万台死亡率 …: a ratio other than per population
    CHANGE = "change"  # 下降率/增长率: a change in % that may be negative (a rise in 能耗下降率)


class Frequency(StrEnum):
    """How often a figure is due (its period ends in which quarters)."""

    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"  # due for Q2 and Q4
    ANNUAL = "annual"  # due for Q4


class FigureBasis(StrEnum):
    """How a reported figure is counted (the engine converts it to the target's scale)."""

    LEVEL = "level"  # the value at the period's end (rates, stocks, ranks)
    CUMULATIVE = "cumulative"  # running total since the baseline
    YTD = "ytd"  # year-to-date total, restarts each January
    FLOW = "flow"  # the period's own amount (the engine sums the periods)


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Comparator(StrEnum):
    GE = "ge"  # ≥ (以上, 不低于, 达到)
    GT = "gt"  # > (超过, 突破)
    LE = "le"  # ≤ (以下, 不高于)
    LT = "lt"  # < (低于)
    EQ = "eq"  # = (达, 左右)
    RANGE = "range"  # value–value_high (1-2家)
    BELOW_BENCHMARK = "below_benchmark"  # 低于全省平均 (benchmark named on the target)
    ABOVE_BENCHMARK = "above_benchmark"  # 高于全省平均
    RANK = "rank"  # rank within the best ``value`` share of the field (中上位次 → 0.5)
    MILESTONE = "milestone"  # a qualitative milestone due in the target year
    NOT_ABOVE_BENCHMARK = "not_above_benchmark"  # 不高于 / 达到省控目标 (a lower-is-better control line)
    NOT_BELOW_BENCHMARK = "not_below_benchmark"  # 不低于全省平均


class TargetBasis(StrEnum):
    LEVEL = "level"  # the comparator applies to the figure itself
    INCREASE = "increase"  # the comparator applies to figure − baseline (新增45件 on a stock)


class Role(StrEnum):
    LEAD = "lead"
    CO = "co"


class UnitKind(StrEnum):
    DEPARTMENT = "部门"
    COUNTY = "县区"
    TOWN = "乡镇"
    ZONE = "开发区"
    ASSOCIATION = "协会"
    ENTERPRISE = "企业"
    OTHER = "其他"


class Adoption(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class RevisionKind(StrEnum):
    VALUE = "value"  # the target's value or comparator changes
    WORDING = "wording"  # the indicator's name or definition changes
    RESPONSIBILITY = "responsibility"  # lead/co units change
    ADD = "add"  # a target the draft did not have
    DELETE = "delete"  # a target to be removed


class Status(StrEnum):
    ACHIEVED = "已达标"
    ON_TRACK = "正常"
    BEHIND = "滞后"
    SERIOUSLY_BEHIND = "严重滞后"
    NOT_REPORTED = "未报送"
    CANNOT_ASSESS = "无法评估"
    ACHIEVED_LATE = "逾期完成"  # the target was met, but only after its year had ended
    NOT_ACHIEVED = "未完成"  # the target's year has ended and it was not met


# Worst first: used for sorting and for "the worst status of a unit".
STATUS_SEVERITY: dict[Status, int] = {
    Status.NOT_ACHIEVED: 0,
    Status.SERIOUSLY_BEHIND: 1,
    Status.NOT_REPORTED: 2,
    Status.BEHIND: 3,
    Status.CANNOT_ASSESS: 4,
    Status.ACHIEVED_LATE: 5,
    Status.ON_TRACK: 6,
    Status.ACHIEVED: 7,
}

LABELS: dict[str, str] = {
    MeasureKind.RATE: "比率",
    MeasureKind.LEVEL: "水平值",
    MeasureKind.NEW_SINCE_BASELINE: "累计新增",
    MeasureKind.STOCK: "总量",
    MeasureKind.PER_CAPITA: "人均/每万",
    MeasureKind.RANK: "位次",
    MeasureKind.MILESTONE: "里程碑",
    MeasureKind.SCORE: "分值",
    MeasureKind.RATIO: "比值",
    MeasureKind.CHANGE: "变动率",
    Frequency.QUARTERLY: "按季度",
    Frequency.HALF_YEARLY: "按半年",
    Frequency.ANNUAL: "按年度",
    FigureBasis.LEVEL: "期末数",
    FigureBasis.CUMULATIVE: "累计数",
    FigureBasis.YTD: "年内累计数",
    FigureBasis.FLOW: "当期数",
    Direction.HIGHER: "越高越好",
    Direction.LOWER: "越低越好",
    Comparator.GE: "≥",
    Comparator.GT: ">",
    Comparator.LE: "≤",
    Comparator.LT: "<",
    Comparator.EQ: "=",
    Comparator.RANGE: "区间",
    Comparator.BELOW_BENCHMARK: "低于基准",
    Comparator.ABOVE_BENCHMARK: "高于基准",
    Comparator.RANK: "位次",
    Comparator.MILESTONE: "完成",
    Comparator.NOT_ABOVE_BENCHMARK: "不高于基准",
    Comparator.NOT_BELOW_BENCHMARK: "不低于基准",
    Role.LEAD: "牵头",
    Role.CO: "配合",
    Adoption.YES: "已采纳",
    Adoption.NO: "未采纳",
    Adoption.UNKNOWN: "未说明",
    RevisionKind.VALUE: "目标值",
    RevisionKind.WORDING: "表述",
    RevisionKind.RESPONSIBILITY: "责任单位",
    RevisionKind.ADD: "新增目标",
    RevisionKind.DELETE: "删除目标",
}
