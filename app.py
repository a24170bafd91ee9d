"""质量目标监测平台: the only router (st.navigation). Pages only draw.

Which pages a user sees depends on the signed-in role (ui.auth); the service
layer checks permissions again on every write, so hiding a page is a
convenience, not the protection.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from ui import data, memory, routing
from ui.auth import account_page, current_actor, login_page, must_change_password, public_read, sync_cookie
from ui.errors import guarded
from ui.guard import mark_routed, take_intended
from ui.safe import escape_markdown
from ui.supervision import todo_count
from ui.widgets import PLAN_KEY

st.set_page_config(page_title="质量目标监测平台", page_icon=":material/verified:", layout="wide")

# Compact top padding: more of every page fits a 1600×900 screenshot. The file uploader's own words
# are Streamlit's English ("Upload", "200MB per file"): hidden, and Chinese shown in their place
# (without Streamlit's 200 MB, which is not what the app accepts: each uploader's label says that).
_UPLOADER = '[data-testid="stFileUploaderDropzone"]'
st.markdown(
    "<style>.stMainBlockContainer, .block-container {padding-top: 2.2rem; padding-bottom: 2rem}"
    f'{_UPLOADER} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p,'
    '[data-testid="stFileUploaderDropzoneInstructions"] span {font-size: 0}'
    f'{_UPLOADER} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after'
    '{content: "选择文件"; font-size: 0.875rem}'
    '[data-testid="stFileUploaderDropzoneInstructions"] span::after'
    '{content: "或将文件拖放到此处"; font-size: 0.875rem}'
    # Streamlit's English key hints under text boxes ("Press Enter to apply", "Press Ctrl+Enter to
    # submit form"): every form here has its own Chinese button
    '[data-testid="InputInstructions"] {display: none}</style>',  # each uploader's label states its limit
    unsafe_allow_html=True,
)

READ_PAGES = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:"),
    st.Page("pages/indicator.py", title="指标详情", icon=":material/monitoring:"),
    st.Page("pages/units.py", title="责任单位", icon=":material/groups:"),
    st.Page("pages/catalogue.py", title="计划与指标", icon=":material/list_alt:"),
]
if (Path(__file__).parent / "pages" / "briefing.py").is_file():
    READ_PAGES.append(st.Page("pages/briefing.py", title="汇报材料", icon=":material/slideshow:"))
UPLOAD_PAGE = st.Page("pages/upload.py", title="填报上传", icon=":material/upload_file:")
TODO_PAGE = st.Page("pages/todo.py", title="我的待办", icon=":material/checklist:")
# supervision loop (督办闭环): signed-in users only; the badge counts what the user's units owe
SUPERVISION_PAGES = [
    st.Page("pages/tasks.py", title="重点任务台账", icon=":material/task_alt:"),
    st.Page("pages/notices.py", title="督办台账", icon=":material/campaign:"),
]
ADMIN_PAGES = [
    st.Page("pages/review.py", title="数据审核", icon=":material/fact_check:"),
    st.Page("pages/targets_admin.py", title="目标维护", icon=":material/edit_note:"),
    st.Page("pages/benchmarks.py", title="基准值与基期值", icon=":material/straighten:"),
    st.Page("pages/admin_users.py", title="账户管理", icon=":material/manage_accounts:"),
    st.Page("pages/audit.py", title="审计日志", icon=":material/history:"),
    st.Page("pages/supervision_admin.py", title="督办设置", icon=":material/contact_mail:"),
]
HELP_PAGES = [st.Page("pages/methodology.py", title="方法说明", icon=":material/menu_book:")]
LOGIN_PAGE = st.Page(login_page, title="登录", icon=":material/login:", url_path="login")
ACCOUNT_PAGE = st.Page(account_page, title="我的账户", icon=":material/person:", url_path="account")


def _route() -> None:
    """Sign-in state, the pages this user sees, and the chosen page's run."""
    # Links such as /units?plan=lingbi&unit=县市场监管局 open a plan directly (once per link).
    _plan_param = st.query_params.get("plan")
    if _plan_param and st.session_state.get("_plan_param") != _plan_param:
        st.session_state["_plan_param"] = _plan_param
        st.session_state[PLAN_KEY] = _plan_param  # plan_selector falls back to the first plan if unknown

    actor = current_actor()
    _owed = todo_count(actor) if actor is not None and not must_change_password(actor) else 0
    UNIT_TASKS_PAGE = st.Page(
        "pages/unit_tasks.py", title=f"任务填报与反馈（{_owed}）" if _owed else "任务填报与反馈",
        icon=":material/notifications:",
    )  # fmt: skip
    EVERY_PAGE = READ_PAGES + [TODO_PAGE, UPLOAD_PAGE] + ADMIN_PAGES + HELP_PAGES + [ACCOUNT_PAGE, LOGIN_PAGE]
    EVERY_PAGE += [UNIT_TASKS_PAGE, *SUPERVISION_PAGES]
    if actor is None:
        public = {"监测": READ_PAGES, "说明": HELP_PAGES, "账户": [LOGIN_PAGE]}
        visible = public if public_read() else {"": [LOGIN_PAGE]}
        landing = READ_PAGES[0] if public_read() else LOGIN_PAGE
        stand_in = lambda pg: login_page  # noqa: E731 - any other address asks to sign in, and keeps the link
    elif must_change_password(actor):
        st.session_state["auth_notice"] = "首次登录或密码已重置：请先修改密码。"
        visible, landing = {"": [ACCOUNT_PAGE]}, ACCOUNT_PAGE
        stand_in = lambda pg: account_page  # noqa: E731
    else:
        work = [UPLOAD_PAGE] if actor.role.value in ("admin", "reporter") else []
        visible = {"工作": [TODO_PAGE, *work]} if work else {}
        visible |= {"监测": READ_PAGES, "说明": HELP_PAGES, "账户": [ACCOUNT_PAGE]}
        visible["督办"] = ([UNIT_TASKS_PAGE] if work else []) + SUPERVISION_PAGES
        if actor.role.value == "admin":
            visible["管理"] = ADMIN_PAGES
        landing = TODO_PAGE if actor.role.value == "reporter" else READ_PAGES[0]
        stand_in = lambda pg: routing.no_access(pg.title, landing)  # noqa: E731
    start = routing.start_page(landing, login_page if actor is None and not public_read() else None)
    pages = routing.with_stand_ins(visible, EVERY_PAGE, stand_in, start)
    signed_out_only = actor is None and not public_read()
    navigation = st.navigation(pages, position="hidden" if signed_out_only else "sidebar", expanded=True)
    intended = take_intended()
    if intended is not None:  # a page URL opened before the router had run once in this server
        target = routing.find(pages, Path(intended[0]).stem)
        if target is not None:
            st.session_state.pop("_plan_param", None)  # let the link's ?plan= apply on the next run
            st.switch_page(target, query_params=intended[1])
    # The sign-in cookie is being written or removed (ui/auth.py): no page meanwhile, in a real browser
    # (AppTest has no browser to confirm it, and no clicks to lose).
    if sync_cookie() and st.context.headers:
        st.caption("正在处理登录状态…")
        time.sleep(0.25)
        st.rerun()
    if actor is not None:
        st.sidebar.caption(f"当前用户：{escape_markdown(actor.label)}")
    st.sidebar.caption("质量目标监测平台 · 质量发展委员会办公室")
    mark_routed(True)
    try:
        navigation.run()
    finally:
        mark_routed(False)
        # First start (schema, catalogue, demo figures, first admin) once per process: pages that read
        # the database set it up on their first read; the sign-in form needs none until it is sent, so
        # on a first start it is drawn (and usable) before the set-up runs here.
        data.current_url()
        memory.freeze_after_imports()  # Streamlit's collection after each run skips the server's own objects


# an unexpected error anywhere in a run (a page, the sign-in read, the first start): a Chinese
# message with a reference number, the traceback in the server's log (ui/errors.py)
guarded(_route)
