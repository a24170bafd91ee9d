"""manage.py commands of the supervision loop (督办闭环); registered by manage.build_parser.

python manage.py export-tasks [--plan CODE]          CSV of the key tasks (EXPORT_TASK_COLUMNS)
python manage.py remind [--dry-run] [--today DATE] [--plan CODE]   send the reminders due (cron)
python manage.py contact add --plan CODE --unit UNIT --name NAME [--phone P] [--email E]
python manage.py contact list [--plan CODE]
python manage.py calendar load FILE.csv              the office's extra working days / days off
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from services.actor import system_actor

CLI_ACTOR = "质量办（命令行）"


def cmd_export_tasks(args: argparse.Namespace) -> int:
    from db.session import read_scope
    from services.tasks import EXPORT_TASK_COLUMNS, export_task_rows

    with read_scope() as session:
        rows = export_task_rows(session, args.plan)
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_TASK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from services.reminders import CHANNEL_LABELS, remind

    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    outcomes = remind(None, system_actor(CLI_ACTOR), today, dry_run=args.dry_run, plan_code=args.plan)
    labels = {"sent": "已发送", "failed": "发送失败", "skipped": "将发送（试运行）", "already": "此前已发送"}
    for o in outcomes:
        print(
            f"{labels[o.status]}\t{CHANNEL_LABELS[o.channel]}\t{o.unit}\t{o.recipient}\t{o.subject}"
            + (f"\t{o.error}" if o.error else "")
        )
    new = sum(o.status == "sent" for o in outcomes)
    failed = sum(o.status == "failed" for o in outcomes)
    already = sum(o.status == "already" for o in outcomes)
    note = "（试运行，未发送）" if args.dry_run else ""
    print(f"{today}：新发送 {new} 条，失败 {failed} 条，此前已发送 {already} 条{note}")
    return 1 if failed else 0


def cmd_contact(args: argparse.Namespace) -> int:
    from db.session import read_scope, session_scope
    from services.contacts import contact_rows, save_contact

    if args.action == "add":
        if not (args.plan and args.unit and args.name):
            raise ValueError("contact add 需要 --plan、--unit 和 --name")
        with session_scope() as session:
            save_contact(
                session,
                system_actor(CLI_ACTOR),
                args.plan,
                args.unit,
                args.name,
                args.phone or "",
                args.email or "",
            )
        print(f"已保存 {args.unit} 的联系人 {args.name}")
        return 0
    with read_scope() as session:
        rows = contact_rows(session, args.plan)
    writer = csv.DictWriter(
        sys.stdout, fieldnames=["单位", "姓名", "电话", "邮箱", "在用"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows({k: r[k] for k in ["单位", "姓名", "电话", "邮箱", "在用"]} for r in rows)
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from services.workdays import load_calendar

    path = Path(args.file)
    with session_scope() as session:
        counts = load_calendar(
            session, system_actor(CLI_ACTOR), path.read_text(encoding="utf-8-sig"), path.name
        )
    print(f"已载入：新增 {counts['added']} 天，修改 {counts['changed']} 天，未变 {counts['unchanged']} 天")
    return 0


def add_commands(sub, commands: dict[str, Callable[[argparse.Namespace], int]]) -> None:
    p = sub.add_parser("export-tasks", help="导出重点任务（CSV）")
    p.add_argument("--plan")
    p = sub.add_parser(
        "remind", help="发送当日应发的催报和反馈提醒（邮件、群机器人；可重复运行，不会重复发送）"
    )
    p.add_argument("--dry-run", dest="dry_run", action="store_true", help="只列出将要发送的提醒")
    p.add_argument("--today", help="按该日期计算（YYYY-MM-DD），默认今天")
    p.add_argument("--plan")
    p = sub.add_parser("contact", help="单位联系人：add / list")
    p.add_argument("action", choices=["add", "list"])
    p.add_argument("--plan")
    p.add_argument("--unit")
    p.add_argument("--name")
    p.add_argument("--phone")
    p.add_argument("--email")
    p = sub.add_parser("calendar", help="载入工作日调整表（CSV：date,type,note；type 为 休 或 班）")
    p.add_argument("action", choices=["load"])
    p.add_argument("file")
    commands.update(
        {
            "export-tasks": cmd_export_tasks,
            "remind": cmd_remind,
            "contact": cmd_contact,
            "calendar": cmd_calendar,
        }
    )
