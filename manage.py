"""Admin command line of 质量目标监测平台.

    python manage.py init-db                 create/upgrade the schema, load data/catalogue
    python manage.py load-catalogue PATH     load (or reload) plan folders from PATH
    python manage.py backup FILE             online copy of the SQLite database
    python manage.py demo load|remove [--plan CODE]
    python manage.py export-targets [--plan CODE]        CSV on stdout
    python manage.py status --plan CODE [--as-of 2026Q2] CSV on stdout
    python manage.py briefing --plan CODE [--as-of 2026Q2] -o DIR   汇报材料 (pptx, png, docx)
    python manage.py benchmark --plan CODE --indicator CODE --period 2025Q2 --value 81.5 --source TEXT
    python manage.py baseline --plan CODE --indicator CODE --year 2021 --value 12 --source TEXT
    python manage.py benchmarks --plan CODE [--history]  CSV on stdout
    python manage.py audit verify             check the audit log's hash chain (exit 1 if broken)
    python manage.py user unlock NAME         lift a sign-in lock (recovery for a locked admin)

``DATABASE_URL`` selects the database (default: data/tracker.db).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path

from db.session import session_scope
from indicators.catalogue import CatalogueInvalid
from services.actor import PermissionDenied, system_actor

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str) -> Callable:
    def register(func: Callable[[argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = func
        return func

    return register


@command("init-db")
def cmd_init_db(args: argparse.Namespace) -> int:
    from services.setup import init_database

    report = init_database(actor=system_actor("质量办（命令行）"), only_new=True)
    print("数据库已就绪。（已有的计划不会重新加载；重新加载请用 load-catalogue。）")
    if report is not None:
        print(report.summary())
    _print_first_admin()
    return 0


def _print_first_admin() -> None:
    from services.accounts import FIRST_ADMIN_NAME, ensure_first_admin

    with session_scope() as session:
        password = ensure_first_admin(session)
    if password:
        print(f"已创建管理员账户 {FIRST_ADMIN_NAME}，初始密码（仅显示这一次，首次登录后须修改）：{password}")


@command("load-catalogue")
def cmd_load_catalogue(args: argparse.Namespace) -> int:
    from db.migrate import upgrade
    from services.catalogue import load_catalogues, read_catalogues

    upgrade()
    plans = read_catalogues(Path(args.path))
    with session_scope() as session:
        report = load_catalogues(session, plans, system_actor("质量办（命令行）"))
    print(report.summary())
    for line in report.changes:
        print("  " + line)
    for line in report.kept:
        print("  " + line)
    if not report.changed_anything:
        print("目录与数据库一致，未做任何修改。")
    return 0


@command("backup")
def cmd_backup(args: argparse.Namespace) -> int:
    from db.backup import backup_sqlite

    path = backup_sqlite(Path(args.file))
    print(f"已备份到 {path}")
    from services.evidence import backup_store  # evidence files (佐证材料) beside the copy

    store = backup_store(path)
    if store is not None:
        print(f"佐证材料已备份到 {store}")
    return 0


@command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    from db.migrate import upgrade
    from services.demo import load_demo, remove_demo

    upgrade()
    with session_scope() as session:
        if args.action == "load":
            count = load_demo(session, system_actor(), args.plan)
            print(f"已加载演示数据 {count} 条。")
        else:
            count = remove_demo(session, system_actor(), args.plan)
            print(f"已删除演示数据 {count} 条。")
    return 0


@command("export-targets")
def cmd_export_targets(args: argparse.Namespace) -> int:
    from db.queries import EXPORT_TARGET_COLUMNS, export_targets_rows

    with session_scope() as session:
        rows = export_targets_rows(session, args.plan)
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_TARGET_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return 0


@command("status")
def cmd_status(args: argparse.Namespace) -> int:
    from services.progress import STATUS_COLUMNS, quarter_in_plan, status_rows

    with session_scope() as session:
        if args.as_of:
            quarter_in_plan(session, args.plan, args.as_of, "评估季度")
        rows = status_rows(session, args.plan, args.as_of)
    writer = csv.DictWriter(sys.stdout, fieldnames=STATUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return 0


@command("user")
def cmd_user(args: argparse.Namespace) -> int:
    from db.migrate import upgrade
    from db.queries import get_plan
    from services import accounts
    from services.actor import ROLE_LABELS, ActorRole
    from services.audit import refusals_audited

    upgrade()
    actor = system_actor()
    action = {"disable": "disable_user", "enable": "enable_user"}.get(args.action, f"user_{args.action}")
    with refusals_audited(None, actor, action), session_scope() as session:  # a refusal is audited
        if args.action == "list":
            for user in accounts.list_users(session, actor):
                state = "停用" if user.disabled else ("锁定" if user.locked_until else "正常")
                print(f"{user.name}\t{user.role}\t{state}\t{'、'.join(user.units)}")
            return 0
        if not args.name:
            raise ValueError("请给出账户名")
        if args.action == "add":
            unit_ids: list[int] = []
            plans = args.plan or []
            for index, unit in enumerate(args.unit or []):
                code = plans[min(index, len(plans) - 1)] if plans else None
                plan = get_plan(session, code) if code else None
                if plan is None:
                    raise ValueError("绑定单位须同时给出 --plan CODE（单位名在其辖区内唯一）")
                unit_ids += accounts.unit_ids_by_name(session, plan.jurisdiction, [unit])
            password = accounts.create_user(session, actor, args.name, ActorRole(args.role), unit_ids)
            role = ROLE_LABELS[ActorRole(args.role)]
            print(f"已创建账户 {args.name}（{role}），初始密码（仅显示这一次）：{password}")
        elif args.action == "reset":
            password = accounts.reset_password(session, actor, args.name)
            print(f"已重置账户 {args.name} 的密码（仅显示这一次）：{password}")
        elif args.action == "disable":
            accounts.set_disabled(session, actor, args.name, True)
            print(f"已停用账户 {args.name}")
        elif args.action == "enable":
            accounts.set_disabled(session, actor, args.name, False)
            print(f"已启用账户 {args.name}")
        elif args.action == "unlock":
            accounts.unlock_user(session, actor, args.name)
            print(f"已解除账户 {args.name} 的登录锁定（失败次数清零）")
    return 0


@command("audit")
def cmd_audit(args: argparse.Namespace) -> int:
    """``audit verify``: walk the audit log's hash chain (db/audit_chain.py)."""
    from db.audit_chain import verify
    from db.migrate import upgrade
    from db.session import read_scope

    upgrade()
    with read_scope() as session:
        result = verify(session)
    if result.ok:
        print(f"OK：审计日志 {result.count} 条记录的哈希链完整。最后一条的哈希值：{result.last_hash}")
        print("（请记下条数与最后的哈希值：以后核对时，条数变少或哈希值不再出现说明最新的记录被删除。）")
        return 0
    print(
        f"审计日志哈希链在第 {result.broken_id} 号记录处断开：{result.reason}"
        f"（此前 {result.count} 条记录完好）",
        file=sys.stderr,
    )
    return 1


def _check_quarter(plan: str, text: str, what: str, *, template: bool = False) -> None:
    """A quarter outside the plan (``--period 1800Q1``) is refused before anything is made."""
    from services.progress import quarter_in_plan

    with session_scope() as session:
        quarter_in_plan(session, plan, text, what, template=template)


@command("template")
def cmd_template(args: argparse.Namespace) -> int:
    from services.imports import make_template

    _check_quarter(args.plan, args.period, "模板季度", template=True)
    out = Path(args.output)
    data = make_template(None, args.plan, args.period, args.unit or None)
    out.write_bytes(data)
    print(f"已生成填报模板：{out}（{args.unit or '全部责任单位'}，{args.period}）")
    return 0


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    from services.imports import STATUS_LABELS, import_files
    from workbook.cells import escape_controls as esc  # nothing from a file reaches the terminal raw

    def progress(i: int, total: int, result) -> None:
        print(esc(f"[{i}/{total}] {result.message}"), flush=True)
        for change in result.preview.changes if args.verbose else []:
            if change.status in ("new", "changed", "baseline"):
                label = STATUS_LABELS[change.status]
                old = change.old or "（无）"
                print(esc(f"    {label} {change.unit} {change.code}：{old} → {change.new}"))
        for error in result.preview.errors:
            print(esc(f"    错误[{error.code}] {error.message}"), flush=True)

    results = import_files(
        None, args.files, system_actor(), dry_run=args.dry_run, plan=args.plan, period=args.period,
        on_progress=progress,
    )  # fmt: skip
    if not results:
        print("没有找到要导入的文件。", file=sys.stderr)
        return 2
    by_status: dict[str, int] = {}
    for result in results:
        by_status[result.status] = by_status.get(result.status, 0) + 1
    names = {"committed": "已导入", "duplicate": "重复", "unchanged": "无变化", "refused": "拒绝",
             "dry-run": "试运行"}  # fmt: skip
    print("合计：" + "，".join(f"{names.get(k, k)} {v}" for k, v in by_status.items()))
    return 1 if by_status.get("refused") else 0


@command("undo-upload")
def cmd_undo_upload(args: argparse.Namespace) -> int:
    from services.audit import refusals_audited
    from services.imports import undo_upload

    actor = system_actor("质量办（命令行）")
    with refusals_audited(None, actor, "undo_upload", also=(LookupError, ValueError), entity="upload",
                          entity_key=str(args.upload_id)):  # fmt: skip
        print(undo_upload(None, args.upload_id, actor).message)
    return 0


@command("export-figures")
def cmd_export_figures(args: argparse.Namespace) -> int:
    from services.exports import export_figures

    _check_quarter(args.plan, args.period, "导出季度", template=True)
    out = Path(args.output)
    fmt = args.format or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    out.write_bytes(export_figures(None, args.plan, args.period, fmt))
    print(f"已导出到 {out}")
    return 0


@command("briefing")
def cmd_briefing(args: argparse.Namespace) -> int:
    from services.briefing import build_briefing

    if args.as_of:
        _check_quarter(args.plan, args.as_of, "评估季度")
    written = build_briefing(None, args.plan, args.as_of, Path(args.output))
    for path in written:
        print(path)
    print(f"已生成汇报材料 {len(written)} 个文件：{args.output}")
    return 0


@command("benchmark")
def cmd_benchmark(args: argparse.Namespace) -> int:
    """Record the office's benchmark of one indicator and quarter (audited; refused in a locked quarter)."""
    from services.audit import perform
    from services.benchmarks import record_benchmark

    actor = system_actor()
    row = perform(
        None,
        actor,
        "record_benchmark",
        lambda s: record_benchmark(s, actor, args.plan, args.indicator, args.period, args.value, args.source),
    )
    if row is None:
        print(f"{args.indicator} {args.period} 的基准值与现有记录相同，未做修改。")
    else:
        print(f"已录入 {args.indicator} {row.period} 的基准值 {row.value:g}（来源：{row.source}）")
    return 0


@command("baseline")
def cmd_baseline(args: argparse.Namespace) -> int:
    """Record the office's baseline of one indicator (in force at once; audited)."""
    from services.audit import perform
    from services.baselines import record_baseline

    actor = system_actor()
    row = perform(
        None,
        actor,
        "record_baseline",
        lambda s: record_baseline(s, actor, args.plan, args.indicator, args.value, args.year, args.source),
    )
    if row is None:
        print(f"{args.indicator} 的基期值与现行基期值相同，未做修改。")
    else:
        print(f"已录入 {args.indicator} 的基期值 {row.value:g}（{row.year}年，来源：{row.source}）")
    return 0


BENCHMARK_COLUMNS = [
    "plan", "indicator_code", "indicator", "period", "value", "source", "recorded_by", "recorded_at",
    "is_demo", "current",
]  # fmt: skip


@command("benchmarks")
def cmd_benchmarks(args: argparse.Namespace) -> int:
    """The plan's benchmarks in force (``--history``: every row) as CSV on stdout."""
    from db.queries import benchmark_rows, get_plan

    with session_scope() as session:
        if get_plan(session, args.plan) is None:
            raise LookupError(f"没有代码为“{args.plan}”的计划")
        rows = benchmark_rows(session, args.plan, history=args.history)
    writer = csv.DictWriter(sys.stdout, fieldnames=BENCHMARK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **{k: row[k] for k in BENCHMARK_COLUMNS if k in row},
                "plan": args.plan,
                "value": f"{row['value']:g}",
                "recorded_at": f"{row['recorded_at']:%Y-%m-%d %H:%M:%S}",
                "is_demo": "yes" if row["is_demo"] else "no",
                "current": "yes" if row["current"] else "no",
            }
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="质量目标监测平台 管理命令")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="创建/升级数据库并加载 data/catalogue 中的计划目录")
    p = sub.add_parser("load-catalogue", help="加载计划目录（幂等）")
    p.add_argument("path")
    p = sub.add_parser("backup", help="在线备份 SQLite 数据库")
    p.add_argument("file")
    p = sub.add_parser("demo", help="加载或删除演示数据")
    p.add_argument("action", choices=["load", "remove"])
    p.add_argument("--plan")
    p = sub.add_parser("export-targets", help="导出全部目标（CSV）")
    p.add_argument("--plan")
    p = sub.add_parser("status", help="输出某季度各指标进度状态（CSV）")
    p.add_argument("--plan", required=True)
    p.add_argument("--as-of", dest="as_of", help="季度，如 2026Q2；默认为最近一个已到报送期限的季度")
    p = sub.add_parser("user", help="账户管理：add / reset / disable / enable / unlock / list")
    p.add_argument("action", choices=["add", "reset", "disable", "enable", "unlock", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["admin", "reporter", "viewer"], default="viewer")
    p.add_argument("--plan", action="append", help="单位所属计划代码（可重复，与 --unit 依次对应）")
    p.add_argument("--unit", action="append", help="填报员绑定的责任单位（可重复）")
    p = sub.add_parser("audit", help="审计日志：verify 校验哈希链（有记录被修改或删除时退出码为 1）")
    p.add_argument("action", choices=["verify"])
    p = sub.add_parser("template", help="生成某单位（或全部单位）某季度的填报模板（.xlsx）")
    p.add_argument("--plan", required=True)
    p.add_argument("--unit", help="单位名称；省略则生成办公室用的全部单位汇总模板")
    p.add_argument("--period", required=True, help="季度，如 2026Q3")
    p.add_argument("-o", "--output", required=True)
    p = sub.add_parser("import", help="导入填报文件或文件夹（先校验，出错的文件不写入）")
    p.add_argument("files", nargs="+", help="文件或文件夹")
    p.add_argument("--dry-run", dest="dry_run", action="store_true", help="只校验并显示将要修改的内容")
    p.add_argument("--plan", help="非模板文件时指定计划")
    p.add_argument("--period", help="非模板文件时指定季度；模板文件则须一致")
    p.add_argument("-v", "--verbose", action="store_true", help="列出每一项修改")
    p = sub.add_parser("undo-upload", help="整体撤销一次上传")
    p.add_argument("upload_id", type=int)
    p = sub.add_parser("export-figures", help="导出某季度全部单位的填报数据（.xlsx 或 .csv）")
    p.add_argument("--plan", required=True)
    p.add_argument("--period", required=True)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--format", choices=["xlsx", "csv"])
    p = sub.add_parser("briefing", help="生成汇报材料：PPT、图表 PNG、季度通报、预警通知单")
    p.add_argument("--plan", required=True)
    p.add_argument("--as-of", dest="as_of", help="季度，如 2026Q2；默认为最近一个已到报送期限的季度")
    p.add_argument("-o", "--output", required=True, help="输出文件夹")
    p = sub.add_parser("benchmark", help="录入某指标某季度的基准值（全省平均、省控目标等，须注明来源）")
    p.add_argument("--plan", required=True)
    p.add_argument("--indicator", required=True, help="指标代码")
    p.add_argument("--period", required=True, help="季度，如 2025Q2")
    p.add_argument("--value", required=True)
    p.add_argument("--source", required=True, help="来源，如 省市场监管局2025年第2季度通报")
    p = sub.add_parser("baseline", help="录入某指标的基期值（立即生效，须注明来源）")
    p.add_argument("--plan", required=True)
    p.add_argument("--indicator", required=True, help="指标代码")
    p.add_argument("--year", required=True, help="基期年份，如 2021")
    p.add_argument("--value", required=True)
    p.add_argument("--source", required=True, help="来源，如 2021年统计公报")
    p = sub.add_parser("benchmarks", help="导出计划的基准值（CSV）")
    p.add_argument("--plan", required=True)
    p.add_argument("--history", action="store_true", help="同时列出被替代的历史记录")
    from services.supervision_cli import add_commands  # export-tasks, remind, contact, calendar

    add_commands(sub, COMMANDS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CatalogueInvalid as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (PermissionDenied, LookupError, ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
