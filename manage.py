"""Admin command line of 质量目标监测平台.

    python manage.py init-db                 create/upgrade the schema, load data/catalogue
    python manage.py load-catalogue PATH     load (or reload) plan folders from PATH
    python manage.py backup FILE             online copy of the SQLite database
    python manage.py demo load|remove [--plan CODE]
    python manage.py export-targets [--plan CODE]        CSV on stdout
    python manage.py status --plan CODE [--as-of 2026Q2] CSV on stdout

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

    report = init_database()
    print("数据库已就绪。")
    if report is not None:
        print(report.summary())
    return 0


@command("load-catalogue")
def cmd_load_catalogue(args: argparse.Namespace) -> int:
    from db.migrate import upgrade
    from services.catalogue import load_catalogues, read_catalogues

    upgrade()
    plans = read_catalogues(Path(args.path))
    with session_scope() as session:
        report = load_catalogues(session, plans, system_actor())
    print(report.summary())
    for line in report.changes:
        print("  " + line)
    if not report.changed_anything:
        print("目录与数据库一致，未做任何修改。")
    return 0


@command("backup")
def cmd_backup(args: argparse.Namespace) -> int:
    from db.backup import backup_sqlite

    path = backup_sqlite(Path(args.file))
    print(f"已备份到 {path}")
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
    from services.progress import STATUS_COLUMNS, status_rows

    with session_scope() as session:
        rows = status_rows(session, args.plan, args.as_of)
    writer = csv.DictWriter(sys.stdout, fieldnames=STATUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
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
