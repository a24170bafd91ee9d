"""No English or developer words in front of users: every page, both plans, as admin, reporter and viewer.

Walks every page of the navigation with AppTest and collects what a user reads (titles, text,
captions, messages, widget labels, options and placeholders, button and tab labels, table headers
and text cells). An ASCII word is allowed only if it is an indicator or task code, a unit of
measure, or a name on :data:`ALLOWED` (file formats a user picks by name).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

from services.actor import Actor, ActorRole  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

PAGES = [
    "pages/todo.py", "pages/overview.py", "pages/indicator.py", "pages/units.py", "pages/catalogue.py",
    "pages/briefing.py", "pages/methodology.py", "pages/upload.py", "pages/review.py", "pages/targets_admin.py",
    "pages/benchmarks.py", "pages/admin_users.py", "pages/audit.py", "pages/unit_tasks.py", "pages/tasks.py",
    "pages/notices.py",
]  # fmt: skip
ROLE_PAGES = {
    "viewer": {"pages/overview.py", "pages/indicator.py", "pages/units.py", "pages/catalogue.py",
               "pages/briefing.py", "pages/methodology.py", "pages/tasks.py", "pages/notices.py"},
}  # fmt: skip
ROLE_PAGES["reporter"] = ROLE_PAGES["viewer"] | {"pages/todo.py", "pages/upload.py", "pages/unit_tasks.py"}
ROLE_PAGES["admin"] = set(PAGES)

CODE = re.compile(r"^L[AB]-[A-Z0-9.]+(?:-[A-Z0-9.]+)*$")  # LA-BR-04, LB-PQ-07, LB-T03-1, LA-T1.1-01
# file formats by name; GDP, QC (QC小组) and 4A级 as the plans write them
ALLOWED = {"Excel", "Word", "PPTX", "PNG", "CSV", "xlsx", "GDP", "QC", "A"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_TAGS = re.compile(r"<style.*?</style>|<[^>]+>", re.S)


def _strip(text: str) -> str:
    text = _TAGS.sub(" ", text)
    text = re.sub(r"&#?\w+;", " ", text)  # entities
    text = re.sub(r":material/[a-z_]+:", " ", text)  # icons
    text = re.sub(r":[a-z]+-badge\[|:[a-z]+\[", " ", text)  # colour directives
    return text.replace("\\", "")


def visible_texts(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning",
                 "error", "success", "exception"):  # fmt: skip
        out += [str(e.value) for e in getattr(at, kind)]
    for kind in ("button", "checkbox", "toggle", "text_input", "text_area", "number_input", "date_input",
                 "selectbox", "multiselect", "radio", "tabs", "expander", "metric", "select_slider"):  # fmt: skip
        for e in getattr(at, kind, []):
            out.append(str(getattr(e, "label", "") or ""))
            out.append(str(getattr(e, "placeholder", "") or ""))
            for option in getattr(e, "options", []) or []:
                out.append(str(option))
    # an empty placeholder is Streamlit's English default ("Choose options", "Choose an option")
    for e in at.multiselect:
        if not e.placeholder and not e.value:
            out.append(f"Choose options ({e.label})")
    for e in at.selectbox:
        if not e.placeholder and e.value is None:
            out.append(f"Choose an option ({e.label})")
    for frame in at.dataframe:
        value = frame.value
        out += [str(c) for c in value.columns]
        for column in value.columns:
            if value[column].dtype == object or value[column].dtype == "str":  # pandas 3: str columns
                out += [str(v) for v in value[column].head(60) if isinstance(v, str)]
    for table in at.table:
        out += [str(c) for c in table.value.columns]
    return out


# Known words on pages other engineers are changing now (issue 14); each is to go. A word not listed
# here fails the test at once.
PENDING_ELSEWHERE: dict[str, set[str]] = {}  # every page speaks Chinese: nothing tolerated


def ascii_words(texts: list[str], allowed: set[str] = frozenset()) -> set[str]:
    found = set()
    for text in texts:
        for word in WORD.findall(_strip(text)):
            word = word.strip("-._")
            if not word or CODE.match(word) or word in ALLOWED or word in allowed:
                continue
            found.add(word)
    return found


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    from db.session import session_scope
    from services import accounts
    from tests.apptest_support import demo_database

    url = demo_database(tmp_path_factory.mktemp("chinese"))
    with session_scope(url) as session:
        units = accounts.unit_ids_by_name(session, "灵璧县", ["县农业农村局"])
        units += accounts.unit_ids_by_name(session, "六安市", ["市市场监管局"])
    return url, frozenset(units)


@pytest.mark.parametrize("role", ["admin", "reporter", "viewer"])
@pytest.mark.parametrize("plan", ["lingbi", "luan"])
def test_every_page_speaks_chinese(app_db, monkeypatch, role, plan):
    url, units = app_db
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TRACKER_PUBLIC_READ", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    names = {"admin": "质量办", "reporter": "农业农村局填报员", "viewer": "县领导"}
    actor = Actor(names[role], ActorRole(role), units if role == "reporter" else frozenset())
    at.session_state["auth_actor"] = actor
    at.session_state["auth_last_seen"] = dt.datetime.now()
    at.session_state["selected_plan"] = plan
    at.run()
    assert not at.exception, at.exception
    from sqlalchemy import select

    from db.models import User
    from db.session import read_scope

    with read_scope(url) as session:  # account names are what the office typed (e.g. admin)
        accounts = set(session.scalars(select(User.name)))
    problems = {}
    for page in PAGES:
        if page not in ROLE_PAGES[role] or not (ROOT / page).is_file():
            continue
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, at.exception)
        words = ascii_words(visible_texts(at), accounts | PENDING_ELSEWHERE.get(page, set()))
        if words:
            problems[page] = sorted(words)
    if problems:
        import json
        import os

        if os.environ.get("CHINESE_UI_REPORT"):
            with open(os.environ["CHINESE_UI_REPORT"], "a", encoding="utf-8") as f:
                f.write(json.dumps({"role": role, "plan": plan, "problems": problems}, ensure_ascii=False) + "\n")
    assert problems == {}
