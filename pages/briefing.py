"""汇报: a 16:9 briefing screen (no sidebar) and the downloads of the briefing set.

Plan and quarter come from the query string (``/briefing?plan=lingbi&as_of=2026Q2``)
or the small selectors at the top.  The numbers are those of ``manage.py status``.
The page fits one 1600×900 screen for both seed plans; ``?screen=large`` (or the 会议室大屏
toggle) lays it out for a 1920×1080 meeting-room screen with larger text. Every count names
how many of its items are listed ("共 13 项，列出最滞后的 6 项").
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import data
from ui.charts import STATUS_COLORS, matrix_html, status_label, text_color
from ui.guard import ensure_routed
from ui.safe import escape_html
from ui.widgets import plan_selector, quarter_selector, status_tiles

ensure_routed()

large = st.query_params.get("screen") == "large"
scale = 1.2 if large else 1.0
st.markdown(
    """<span class="css-only"></span><style>
    [data-testid="stElementContainer"]:has(.css-only) {display: none}  /* style-only blocks take no room */
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
    [data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] {display: none !important}
    .stMainBlockContainer, .block-container {padding: 0.8rem 2rem 1rem 2rem !important;
        max-width: 100% !important}
    .brief-title {font-size: 1.75rem; font-weight: 700; margin: 0; line-height: 1.25}
    [data-testid="stMain"], .stMain {padding-top: 0 !important; margin-top: 0 !important}
    .status-tile {padding: 4px 12px !important} .tile-count {font-size: 1.6rem !important}
    .brief-sub {color: #555; font-size: 0.95rem; margin-bottom: 4px}
    .brief-list {width: 100%; border-collapse: collapse; font-size: 0.86rem}
    .brief-list td, .brief-list th {padding: 3px 6px; border-bottom: 1px solid #eee; vertical-align: top;
        text-align: left}
    .brief-reason {color: #555; font-size: 0.8rem; line-height: 1.35}
    .brief-badge {border-radius: 4px; padding: 1px 6px; white-space: nowrap; font-size: 0.8rem}
    .brief-stamp {color: #666; font-size: 0.82rem; text-align: right}
    .brief-demo {color: #fff; background: #B00020; border-radius: 4px; padding: 1px 8px; font-size: 1rem;
        vertical-align: middle; margin-left: 10px; white-space: nowrap}
    .brief-head {font-weight: 700; margin: 2px 0 2px 0}
    </style>""",
    unsafe_allow_html=True,
)
if large:  # 1920×1080 meeting-room screen: everything 20 % larger
    st.markdown(
        '<span class="css-only"></span><style>html {font-size: 18px} .brief-title {font-size: 2.1rem}'
        ".brief-list {font-size: 0.95rem}</style>",
        unsafe_allow_html=True,
    )


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _briefing(url: str, plan_code: str, as_of: str, fingerprint: tuple, today: dt.date):
    from services.briefing import load_briefing

    return load_briefing(url, plan_code, as_of, today)


@st.cache_data(ttl=600, max_entries=4, show_spinner="正在生成汇报材料（PPT、图表、通报、预警通知单）…")
def _files(url: str, plan_code: str, as_of: str, fingerprint: tuple, today: dt.date) -> dict[str, bytes]:
    from briefing.bundle import build_files

    return build_files(_briefing(url, plan_code, as_of, fingerprint, today))


def _badge(status: str) -> str:
    return (
        f'<span class="brief-badge" style="background:{STATUS_COLORS[status]};color:{text_color(status)}">'
        f"{status_label(status)}</span>"
    )


def _count_head(title: str, total: int, shown: int, measure: str) -> str:
    """``进度最滞后的指标（共 13 项，列出最滞后的 6 项）``: the count always matches the list below."""
    listed = "" if shown >= total else f"，列出最滞后的 {shown} {measure}"
    return f'<div class="brief-head">{title}（共 {total} {measure}{listed}）</div>'


LIST_LIMIT = 5  # what fits beside the matrix at 1600×900 (and, larger, at 1920×1080)


# --- selectors (query params first) -------------------------------------------------------
top = st.columns([2, 2, 1.6, 1.3, 1.3], vertical_alignment="bottom")
plan = plan_selector(top[0])
if plan is None:
    st.stop()
quarter_param = st.query_params.get("as_of")
if quarter_param and st.session_state.get("_as_of_param") != quarter_param:
    st.session_state["_as_of_param"] = quarter_param
    st.session_state[f"as_of_{plan.code}"] = quarter_param  # ignored by the selector if not selectable
as_of = quarter_selector(plan, top[1])
if as_of is None:
    st.stop()
st.query_params.update({"plan": plan.code, "as_of": as_of})

url, fingerprint = data.current_url(), data.data_fingerprint()
today = dt.date.today()
b = _briefing(url, plan.code, as_of, fingerprint, today)
if not b.rows:
    st.info("该计划尚无指标，请先导入计划目录。")
    st.stop()

top[2].page_link("pages/overview.py", label="返回平台", icon=":material/arrow_back:")
wants_large = top[3].toggle("会议室大屏", value=large, help="按 1920×1080 大屏放大显示")
if wants_large != large:
    if large:
        del st.query_params["screen"]
    else:
        st.query_params["screen"] = "large"
    st.rerun()
with top[4].popover("导出", icon=":material/download:", width="stretch"):
    if st.button("生成汇报材料", icon=":material/build:", key="brief_build"):
        st.session_state["brief_ready"] = (plan.code, as_of)
    if st.session_state.get("brief_ready") == (plan.code, as_of):
        from briefing.bundle import bulletin_name, deck_name, zip_files
        from ui.vocabulary import DRAFT_NOTICE, DRAFT_NOTICE_NOTE

        try:
            files = _files(url, plan.code, as_of, fingerprint, today)
        except RuntimeError as exc:  # no kaleido/Chromium and no matplotlib
            st.error(str(exc))
            st.stop()
        deck, bulletin = deck_name(b), bulletin_name(b)
        st.download_button("汇报 PPT（16:9）", files[deck], deck, icon=":material/slideshow:", key="dl_deck")
        st.download_button(
            "季度通报（Word）", files[bulletin], bulletin, icon=":material/description:", key="dl_bulletin"
        )
        stem = f"{b.jurisdiction}_{b.as_of}"
        st.download_button(
            "图表 PNG（3200×1800）",
            zip_files(files, "charts/"),
            f"图表_{stem}.zip",
            icon=":material/image:",
            key="dl_charts",
        )
        if b.notices:  # drafts: a notice is issued (numbered, dated, logged) on the 督办台账 page
            st.download_button(
                f"{DRAFT_NOTICE}通知单（{len(b.notices)} 份，未印发）",
                zip_files(files, "notices/"),
                f"{DRAFT_NOTICE}通知单_{stem}.zip",
                icon=":material/warning:",
                key="dl_notices",
                help=DRAFT_NOTICE_NOTE,
            )
        else:
            st.caption("本季度没有须拟发的预警或督办通知单。")
        st.download_button(
            "全部材料（zip）",
            zip_files(files),
            f"汇报材料_{stem}.zip",
            icon=":material/folder_zip:",
            key="dl_all",
        )

# --- the 16:9 screen -----------------------------------------------------------------------------
demo_tag = '<span class="brief-demo">演示数据（非真实填报）</span>' if b.demo else ""
st.markdown(
    f'<div class="brief-title">{escape_html(b.deck_title)}（截至{b.label}）{demo_tag}</div>'
    f'<div class="brief-sub">{escape_html(b.plan_title)}　|　{escape_html(b.overall_sentence())}</div>',
    unsafe_allow_html=True,
)
status_tiles(b.counts)

left, right = st.columns([1.3, 1])  # the reasons need the width more than the HTML matrix
with left:
    st.markdown('<div class="brief-head">红黄绿灯矩阵</div>', unsafe_allow_html=True)
    # 11 per row: 六安's 65 indicators in 9 rows; an HTML table, so each label wraps inside its cell
    # at any width and in 会议室大屏 mode (the plotly chart's labels ran into their neighbours there)
    st.markdown(matrix_html(b.rows, columns=11), unsafe_allow_html=True)
with right:
    top_lag = b.lagging[:LIST_LIMIT]
    st.markdown(_count_head("进度最滞后的指标", len(b.lagging), len(top_lag), "项"), unsafe_allow_html=True)
    if top_lag:
        rows = "".join(
            f"<tr><td>{_badge(r['status'])}</td><td><b>{escape_html(r['name'])}</b>"
            f"<br><span class='brief-reason'>{escape_html(r['reason'])}</span></td></tr>"
            for r in top_lag
        )
        st.markdown(f'<table class="brief-list">{rows}</table>', unsafe_allow_html=True)
    else:
        st.success("没有滞后、严重滞后或未报送的指标。")
    behind_all = [u for u in b.ranking if u["score"] > 0]
    behind = behind_all[:LIST_LIMIT]
    st.markdown(_count_head("滞后的牵头单位", len(behind_all), len(behind), "个"), unsafe_allow_html=True)
    if behind:
        rows = "".join(
            f"<tr><td>{u['rank']}</td><td>{escape_html(u['unit'])}</td><td>滞后指数 {u['score']:.1f}</td>"
            f"<td>{'未完成 ' + str(u['not_achieved']) + ' · ' if u.get('not_achieved') else ''}"
            f"严重滞后 {u['seriously_behind']} · 未报送 {u['not_reported']} · "
            f"滞后 {u['behind']}</td></tr>"
            for u in behind
        )
        st.markdown(f'<table class="brief-list">{rows}</table>', unsafe_allow_html=True)
    else:
        st.success("没有牵头指标滞后的责任单位。")

st.markdown(
    f'<div class="brief-stamp">制表日期 {today.isoformat()}　|　数据更新于 {b.data_as_of_text()}'
    f"　|　{escape_html(b.jurisdiction)}质量发展委员会办公室</div>",
    unsafe_allow_html=True,
)
