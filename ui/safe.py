"""Text from catalogues, files and users, made safe for Streamlit's markdown and HTML.

Every st.markdown / st.caption / st.info / st.warning / st.error / st.success / st.write
(and ``unsafe_allow_html``) call that shows such text passes it through one of these:

- :func:`escape_html` for text inside our own HTML (``unsafe_allow_html=True``): ``< > & " '``
  as entities, markdown's characters as numeric entities and line breaks as spaces, so that
  the text is neither a tag nor, if the HTML block ends, markdown;
- :func:`escape_markdown` for text inside markdown: every character markdown gives a meaning
  (``\\ * _ [ ] ( ) ! # < > ` ~ | { } + - . =`` …) is backslash-escaped, so ``[x](http://…)``
  shows as text, not as a link; ``![](…)`` shows no image; ``<img …>`` is neither a tag
  nor an entity; line starts cannot become headings, lists, quotes or tables; ``$`` cannot
  start formulas and ``:name:`` cannot become an icon or colour directive.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:&\"'^])")


_MD_IN_HTML = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~=$:^"}


def escape_html(text: object) -> str:
    """HTML-escape, and write markdown's characters as numeric entities: text inside our own HTML
    stays text even where Streamlit parses it as markdown (a blank line ends an HTML block)."""
    value = html.escape("" if text is None else str(text), quote=True)
    value = "".join(_MD_IN_HTML.get(c, c) for c in value)
    return " ".join(value.split("\n"))


def escape_markdown(text: object) -> str:
    """Backslash-escape every markdown-significant character (also at line starts)."""
    value = "" if text is None else str(text)
    value = _MD_SPECIAL.sub(r"\\\1", value)
    # a line break inside data must not start a new markdown block (heading, list, quote, code)
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


md = escape_markdown


def escape_plotly(text: object) -> str:
    """Text from data for a plotly chart (labels, legend names, hover values).

    Plotly renders a subset of HTML in every text it draws (``<a href>``, ``<b>``, ``<br>``,
    ``<span style>``): a unit named ``<a href=…>`` would become a live link. Entities are
    shown as the characters they stand for, so escaping keeps the text as written.
    """
    return html.escape("" if text is None else str(text), quote=False)
