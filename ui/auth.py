"""Sign-in for the Streamlit app.

The signed-in Actor lives in Streamlit's server-side session state. So that a sign-in survives
a reload and a new tab, the browser also keeps an opaque random token in a cookie
(``tracker_session``; only its SHA-256 is in the database, services/sessions.py): a new
browser session (reload, new tab, a link) reads it through ``st.context.cookies`` and signs in
again without a password while the token is live — used within the last 30 minutes, at most
12 hours old, not ended by sign-out, a password change or reset, or the account's disabling,
and the account unchanged. The cookie is written and removed by the maintained
``extra-streamlit-components`` CookieManager (its own bundled script, nothing downloaded):
``SameSite=Strict``, ``Secure`` when the app is served over https (``st.context.url``,
``X-Forwarded-Proto: https`` from a proxy, or ``TRACKER_COOKIE_SECURE=1``). A cookie written by
a browser script cannot be ``HttpOnly`` (Streamlit's server offers no way to set one from a
page); the token is therefore worth nothing without the database row, which ends with the
session. Passwords are checked by services.accounts (argon2, lock-out).

``TRACKER_PUBLIC_READ=1`` lets visitors read the dashboard without signing in
(e.g. a big screen in the meeting room); they act as a read-only viewer.
OIDC: when ``.streamlit/secrets.toml`` has an ``[auth]`` section, a button signs in
through the identity provider (``st.login``); the provider's e-mail must match an
account name in our database, which still decides the role and units.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os

import streamlit as st

from db.session import read_scope
from services import accounts, sessions
from services.actor import Actor, ActorRole
from ui import data
from ui.safe import escape_markdown

SESSION_TIMEOUT = dt.timedelta(minutes=30)
_ACTOR_KEY, _SEEN_KEY, _STAMP_KEY = "auth_actor", "auth_last_seen", "auth_stamp"
_TOKEN_KEY, _TOUCHED_KEY, _COOKIE_KEY = "auth_token", "auth_token_touched", "auth_cookie_pending"
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
        if not _still_valid(actor) or not _token_alive():
            sign_out()
            st.session_state["auth_notice"] = CHANGED_NOTICE
            return None
        st.session_state[_SEEN_KEY] = now
        return actor
    restored = _actor_from_cookie()
    if restored is not None:
        return restored
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        return _actor_from_oidc()
    return None


def _cookie_token() -> str | None:
    """The session token the browser sent when this browser session (tab, reload) connected."""
    try:
        token = st.context.cookies.get(sessions.COOKIE_NAME)
    except Exception:  # outside a browser session (tests without a websocket)
        return None
    return token if isinstance(token, str) else None


def _actor_from_cookie() -> Actor | None:
    """Sign a new browser session (reload, new tab, link) in again from a live session token."""
    token = _cookie_token()
    if not token or st.session_state.get("_auth_cookie_refused") == token:
        return None
    from db.session import session_scope

    with session_scope(data.current_url()) as session:
        outcome = sessions.resolve(session, token)
    if not isinstance(outcome, Actor):
        st.session_state["_auth_cookie_refused"] = token  # this tab's cookie is spent: ask once
        if isinstance(outcome, str) and outcome != sessions.END_REASON_LABELS[sessions.SIGNED_OUT]:
            st.session_state["auth_notice"] = f"登录已失效（{outcome}），请重新登录。"
        _queue_cookie(None)
        return None
    _remember(outcome, token)
    return outcome


def _token_alive() -> bool:
    """A signed-in tab keeps its token in use (one write a minute at most); False once it ended."""
    token = st.session_state.get(_TOKEN_KEY)
    if token is None:
        return True  # signed in without a token (tests, single sign-on)
    touched = st.session_state.get(_TOUCHED_KEY)
    now = dt.datetime.now()
    if touched is not None and now - touched < sessions.TOUCH_EVERY:
        return True
    from db.session import session_scope

    with session_scope(data.current_url()) as session:
        alive = sessions.touch(session, token)
    st.session_state[_TOUCHED_KEY] = now
    return alive


def _https() -> bool:
    if os.environ.get("TRACKER_COOKIE_SECURE", "").strip() == "1":
        return True
    try:
        url = st.context.url or ""
        forwarded = (st.context.headers.get("X-Forwarded-Proto") or "").lower()
    except Exception:
        return False
    return url.startswith("https://") or forwarded == "https"


def _queue_cookie(token: str | None) -> None:
    """Write (``token``) or remove (None) the browser's session cookie at the next :func:`sync_cookie`."""
    st.session_state[_COOKIE_KEY] = (token, dt.datetime.now().timestamp())


COOKIE_GRACE_SECONDS = 4.0  # how long a page waits for the browser to confirm the cookie


def sync_cookie() -> bool:
    """Called by the router on every run, at the same place: writes or removes the session cookie
    while one is queued. True while the browser has not confirmed it yet (for at most
    ``COOKIE_GRACE_SECONDS``): the router then shows no page, because the component's own reruns
    would swallow a click on a form shown meanwhile (the first 修改密码 after sign-in was lost).

    Everything is drawn inside one hidden container that exists on every run, so that the
    page's own elements never move when the cookie frames come and go (a moved form would lose
    what the user was typing). The CookieManager component answers True once the browser has
    done it; the queue is then cleared.
    """
    slot = st.container(key="auth_cookie_slot")
    slot.markdown("<style>.st-key-auth_cookie_slot{display:none}</style>", unsafe_allow_html=True)
    pending = st.session_state.get(_COOKIE_KEY)
    if pending is None:
        return False
    import extra_streamlit_components as stx

    token, queued = pending
    key = f"auth_cookie_{int(queued * 1000)}"
    if st.session_state.get(key) is True:
        st.session_state.pop(_COOKIE_KEY, None)
        return False
    with slot:
        manager = stx.CookieManager(key=f"{key}_all")
        if token is None:
            with contextlib.suppress(KeyError):  # the component's own copy of the cookies lacked it
                manager.delete(sessions.COOKIE_NAME, key=key)
        else:
            expires = dt.datetime.now(dt.UTC) + sessions.MAX_AGE
            manager.set(
                sessions.COOKIE_NAME, token, key=key, expires_at=expires, secure=_https() or None,
                same_site="strict",
            )  # fmt: skip
    return dt.datetime.now().timestamp() - queued < COOKIE_GRACE_SECONDS


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


def _remember(actor: Actor, token: str | None = None) -> None:
    """Keep the signed-in actor, its account's stamp and its session token in the session state."""
    with read_scope(data.current_url()) as session:
        st.session_state[_STAMP_KEY] = accounts.current_stamp(session, actor.name)
    st.session_state[_ACTOR_KEY], st.session_state[_SEEN_KEY] = actor, dt.datetime.now()
    if token is not None:
        st.session_state[_TOKEN_KEY], st.session_state[_TOUCHED_KEY] = token, dt.datetime.now()


def _start_browser_session(actor: Actor) -> None:
    """After a password sign-in: a new session token, kept here and written to the browser's cookie."""
    from db.session import session_scope

    with session_scope(data.current_url()) as session:
        token = sessions.start(session, actor.name)
    _remember(actor, token)
    _queue_cookie(token)


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


def sign_out(by_user: bool = False) -> None:
    """Forget the signed-in actor; end its session token (audited when the user signed out)
    and remove the browser's cookie."""
    actor = st.session_state.pop(_ACTOR_KEY, None)
    st.session_state.pop(_SEEN_KEY, None)
    st.session_state.pop(_STAMP_KEY, None)
    st.session_state.pop(_TOUCHED_KEY, None)
    token = st.session_state.pop(_TOKEN_KEY, None)
    if token is not None:
        from db.session import session_scope

        try:
            with session_scope(data.current_url()) as session:
                sessions.end(session, token, actor if by_user and actor is not None else None)
        except Exception:  # the account is gone or disabled: the token ends with it anyway
            with session_scope(data.current_url()) as session:
                sessions.end(session, token)
        _queue_cookie(None)


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
            _start_browser_session(actor)
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
    with st.form("change_password", clear_on_submit=True):  # no typed password stays on the page
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
            else:  # every session of the account ended: this tab gets a new one
                _start_browser_session(actor)
                st.session_state["auth_notice"] = (
                    "密码已修改。其他浏览器中的登录已结束。请从左侧菜单开始工作"
                    + ("（先看“我的待办”）。" if actor.role is not ActorRole.VIEWER else "（如“总览”）。")
                )
                st.rerun()
    if st.button("退出登录"):
        sign_out(by_user=True)
        st.rerun()


def must_change_password(actor: Actor) -> bool:
    with read_scope(data.current_url()) as session:
        return accounts.must_change_password(session, actor.name)
