"""Sign-in for the Streamlit app.

The signed-in Actor lives in Streamlit's server-side session state (no cookie,
nothing stored in the browser): closing the tab or 30 minutes without activity
signs the user out. Passwords are checked by services.accounts (argon2, lock-out).

``TRACKER_PUBLIC_READ=1`` lets visitors read the dashboard without signing in
(e.g. a big screen in the meeting room); they act as a read-only viewer.
OIDC: when ``.streamlit/secrets.toml`` has an ``[auth]`` section, a button signs in
through the identity provider (``st.login``); the provider's e-mail must match an
account name in our database, which still decides the role and units.
"""

from __future__ import annotations

import datetime as dt
import os

import streamlit as st

from db.session import read_scope
from services import accounts
from services.actor import Actor, ActorRole
from ui import data
from ui.safe import escape_markdown

SESSION_TIMEOUT = dt.timedelta(minutes=30)
_ACTOR_KEY, _SEEN_KEY, _STAMP_KEY = "auth_actor", "auth_last_seen", "auth_stamp"
CHANGED_NOTICE = "您的账户已停用，或密码、角色、负责单位已有变更，请重新登录。"


def public_read() -> bool:
    return os.environ.get("TRACKER_PUBLIC_READ", "").strip() == "1"


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_actor() -> Actor | None:
    """The signed-in actor, or None; enforces the idle timeout."""
    actor = st.session_state.get(_ACTOR_KEY)
    seen = st.session_state.get(_SEEN_KEY)
    now = dt.datetime.now()
    if actor is not None and seen is not None and now - seen > SESSION_TIMEOUT:
        sign_out()
        st.session_state["auth_notice"] = "长时间未操作，已自动退出，请重新登录。"
        return None
    if actor is not None:
        if not _still_valid(actor):
            sign_out()
            st.session_state["auth_notice"] = CHANGED_NOTICE
            return None
        st.session_state[_SEEN_KEY] = now
        return actor
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        return _actor_from_oidc()
    return None


def _still_valid(actor: Actor) -> bool:
    """Re-checked on every rerun: the account still exists, is enabled, and its password, role
    and units are those of the sign-in (the stamp kept in the session state). An Actor that is
    no account (not built at sign-in) is checked only against an account of the same name."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from db.models import User

    with read_scope(data.current_url()) as session:
        user = session.scalar(select(User).where(User.name == actor.name).options(selectinload(User.units)))
        if user is None:
            return not actor.account
        if user.disabled:
            return False
        stamp = st.session_state.get(_STAMP_KEY)
        if stamp is not None or actor.account:
            return stamp == accounts.session_stamp(user)
        units = frozenset(u.unit_id for u in user.units)
        return ActorRole(user.role) is actor.role and units == actor.unit_ids


def _remember(actor: Actor) -> None:
    """Keep the signed-in actor and its account's stamp in the server-side session state."""
    with read_scope(data.current_url()) as session:
        st.session_state[_STAMP_KEY] = accounts.current_stamp(session, actor.name)
    st.session_state[_ACTOR_KEY], st.session_state[_SEEN_KEY] = actor, dt.datetime.now()


def _actor_from_oidc() -> Actor | None:
    from sqlalchemy import select

    from db.models import User

    email = str(st.user.get("email") or "")
    with read_scope(data.current_url()) as session:
        user = session.scalar(select(User).where(User.name == email, User.disabled.is_(False)))
        actor = accounts.actor_for(user) if user else None
    if actor is None:
        st.error(f"统一身份认证账户 {escape_markdown(email)} 未在本系统开通，请联系管理员。")
        return None
    _remember(actor)
    return actor


def viewer_actor() -> Actor:
    return Actor(name="访客", role=ActorRole.VIEWER)


def sign_out() -> None:
    st.session_state.pop(_ACTOR_KEY, None)
    st.session_state.pop(_SEEN_KEY, None)
    st.session_state.pop(_STAMP_KEY, None)


def login_page() -> None:
    """The sign-in page (a page of its own in the navigation)."""
    st.title("质量目标监测平台")
    st.caption("质量发展委员会办公室 · 请登录")
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.info(notice)
    with st.form("login", border=True):
        name = st.text_input("账户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            actor = accounts.sign_in(data.current_url(), name, password)
        except accounts.LoginFailed as exc:
            st.error(str(exc))
        else:
            _remember(actor)
            st.rerun()
    if _oidc_configured():
        st.button("使用统一身份认证登录", on_click=st.login)
    st.caption("首次启动时，管理员账户 admin 的初始密码只在启动终端打印一次；忘记密码请管理员重置。")


def account_page() -> None:
    """Change one's own password (forced after first sign-in or a reset)."""
    actor = current_actor()
    if actor is None:
        st.stop()
    st.title("我的账户")
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.info(notice)
    st.markdown(f"当前用户：**{escape_markdown(actor.label)}**")
    with st.form("change_password"):
        old = st.text_input("原密码", type="password")
        new = st.text_input(
            f"新密码（至少 {accounts.MIN_PASSWORD_LENGTH} 位，混合字母、数字或符号，"
            "不含账户名，不用常见密码）",
            type="password",
        )
        again = st.text_input("再次输入新密码", type="password")
        submitted = st.form_submit_button("修改密码", type="primary")
    if submitted:
        if new != again:
            st.error("两次输入的新密码不一致")
        else:
            try:  # a wrong old password is counted and audited like a failed sign-in
                accounts.change_own_password(data.current_url(), actor.name, old, new)
            except ValueError as exc:
                st.error(str(exc))
            else:
                _remember(actor)  # the new password is this session's own change
                st.success("密码已修改。")
                st.rerun()
    if st.button("退出登录"):
        sign_out()
        st.rerun()


def must_change_password(actor: Actor) -> bool:
    with read_scope(data.current_url()) as session:
        return accounts.must_change_password(session, actor.name)
