"""Text from catalogues, files and users, made safe for Streamlit's markdown and HTML.

Every st.markdown / st.caption / st.info / st.warning / st.error / st.success / st.write
(and ``unsafe_allow_html``) call that shows such text passes it through one of these:

- :func:`escape_html` for text inside our own HTML (``unsafe_allow_html=True``);
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


def escape_html(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def escape_markdown(text: object) -> str:
    """Backslash-escape every markdown-significant character (also at line starts)."""
    value = "" if text is None else str(text)
    value = _MD_SPECIAL.sub(r"\\\1", value)
    # a line break inside data must not start a new markdown block (heading, list, quote, code)
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


md = escape_markdown
