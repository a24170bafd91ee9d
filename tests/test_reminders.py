"""Reminders through ``manage.py remind`` at chosen dates, to a real local SMTP server (aiosmtpd) and a
local HTTP endpoint standing in for the 企业微信 group robot: who got which reminder, in Chinese, and a
second run sends nothing new."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from db.session import read_scope, session_scope
from services import notices
from tests.browser_support import free_port
from tests.conftest import ROOT
from tests.supervision_support import OFFICE

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def robot():
    posts: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", posts
    server.shutdown()
    server.server_close()


def manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def by_recipient(inbox) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for m in inbox.messages:
        out.setdefault(str(m["To"].addresses[0].addr_spec), []).append((str(m["Subject"]), m.get_content()))
    return out


def test_remind_at_chosen_dates(seeded_url, smtp, robot, tmp_path):
    import os

    controller, inbox = smtp
    hook, posts = robot
    env = {**os.environ, "DATABASE_URL": seeded_url, "TRACKER_SMTP_HOST": "127.0.0.1",
           "TRACKER_SMTP_PORT": str(controller.port), "TRACKER_SMTP_FROM": "office@zlb.example",
           "TRACKER_WEBHOOK_URL": hook, "TRACKER_EVIDENCE_DIR": str(tmp_path / "ev")}  # fmt: skip
    env.pop("TRACKER_REMIND_DAYS", None)
    manage(env, "contact", "add", "--plan", "lingbi", "--unit", "县农业农村局", "--name", "张三",
           "--email", "zhang@nongye.example")  # fmt: skip
    manage(env, "contact", "add", "--plan", "lingbi", "--unit", "县商务局", "--name", "李四",
           "--email", "li@shangwu.example", "--phone", "0557-1234567")  # fmt: skip

    # 2026Q3's deadline is 2026-10-10 (quarter end + 10 days; a 调休 Saturday that is a working day):
    # 5 working days before it is 2026-09-28 (9/28, 9/29, 9/30, 10/8, 10/9 — 10/1–10/7 are 国庆).
    out = manage(env, "remind", "--plan", "lingbi", "--today", "2026-09-28")
    got = by_recipient(inbox)
    assert sorted(got) == ["li@shangwu.example", "zhang@nongye.example"]
    (zhang,) = got["zhang@nongye.example"]
    assert zhang[0] == "【催报提醒】灵璧县2026年第3季度数据和重点任务进展请于2026年10月10日前报送"
    assert "县农业农村局：" in zhang[1] and "（还有5个工作日）" in zhang[1]
    for line in [
        "指标 LB-PQ-06 绿色认证产品数",
        "指标 LB-PQ-07 “三品一标”认证数",
        "重点任务 LB-T09 实现农产品质量安全“一网追溯”：填报进展",
    ]:
        assert line in zhang[1]
    (li,) = got["li@shangwu.example"]
    assert (
        "指标 LB-SQ-01 培育“中华老字号”品牌数" in li[1] and "重点任务 LB-T06 推动生活服务高品质发展" in li[1]
    )
    assert "LB-PQ-06" not in li[1]
    # the robot gets one message per unit that owes something (every lead unit of a quarterly indicator
    # or of a task; 县生态环境分局 owes nothing in a third quarter: its annual figure is due in Q2)
    units = sorted(p["text"]["content"].split("\n")[1].rstrip("：") for p in posts)
    assert units == sorted(["县工业和信息化局", "县商务局", "县文化和旅游局", "县委宣传部", "县农业农村局",
                            "县市场监管局", "县教体局"])  # fmt: skip
    assert "新发送 9 条" in out

    # a second run the same day, and the next day (same stage), send nothing new
    for day in ("2026-09-28", "2026-09-29"):
        again = manage(env, "remind", "--plan", "lingbi", "--today", day)
        assert "新发送 0 条" in again and "此前已发送 9 条" in again
    assert (len(inbox.messages), len(posts)) == (2, 7)

    # a dry run lists the 1-working-day stage but sends nothing; the real run then sends it once
    dry = manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-09", "--dry-run")
    assert "将发送（试运行）" in dry and (len(inbox.messages), len(posts)) == (2, 7)
    manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-09")
    assert len(inbox.messages) == 4 and "（还有1个工作日）" in inbox.messages[-1].get_content()
    manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-09")
    assert len(inbox.messages) == 4

    # a notice issued on 2026-10-12 is due 2026-10-26 (10 working days); reminded 5 working days before
    # (10-19), and once when late (10-27); only 县农业农村局's contact gets it
    with session_scope(seeded_url) as s:
        notices.issue_notice(s, OFFICE, "lingbi", "县农业农村局", "预警", task_codes=["LB-T09"],
                             today=dt.date(2026, 10, 12))  # fmt: skip
    start = len(inbox.messages)
    manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-16")  # before the first stage
    assert len(inbox.messages) == start
    manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-19")
    manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-19")
    manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-27")
    manage(env, "remind", "--plan", "lingbi", "--today", "2026-10-28")
    new = [(str(m["To"].addresses[0].addr_spec), str(m["Subject"])) for m in inbox.messages[start:]]
    assert new == [
        ("zhang@nongye.example", "【反馈提醒】预警〔2026〕1号请于2026年10月26日前反馈整改情况"),
        ("zhang@nongye.example", "【逾期提醒】预警〔2026〕1号已超过反馈期限（2026年10月26日）"),
    ]
    # every reminder sent is recorded and audited
    from sqlalchemy import func, select

    from db.models import AuditEntry, ReminderLog

    with read_scope(seeded_url) as s:
        sent = s.scalar(select(func.count(ReminderLog.id)).where(ReminderLog.status == "sent"))
        audited = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "send_reminders"))
    assert sent == audited == len(inbox.messages) + len(posts)
