"""The one place that makes text from a file (names, codes, headers, file names) safe to show where
Streamlit reads Markdown: sentences, warnings, captions, widget labels and tooltips.

Streamlit reads Markdown (with its own ``:colour[...]``, ``:material/icon:`` and ``$math$``
extensions) in ``st.markdown``, ``st.caption``, the alert boxes, widget labels and ``help``; text from
a file must never be read as any of them. Tables (``st.dataframe``), ``st.text`` and the options of a
select box show text as it is and need nothing.
"""

from __future__ import annotations

import re

#: Every character CommonMark lets a backslash escape that Markdown, HTML, Streamlit's directives or
#: its math could read as markup. ``&`` is included so an entity such as ``&lt;`` shows as written.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:&=\"'^])")
#: Line breaks would start a new block (a heading, a list, a quote) inside a sentence.
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
#: An invisible character that joins words (U+2060 WORD JOINER): put inside "://", before "www." and
#: "@", it stops Streamlit's Markdown (GitHub-flavoured) making a web address or e-mail address a
#: link, which backslashes do not stop.
WORD_JOINER = "\u2060"
_AUTOLINKS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def as_text(value: object) -> str:
    """``value`` as text that Streamlit shows literally wherever it reads Markdown: every markup
    character backslash-escaped (so ``**bold**`` stays ``**bold**``, a link stays its brackets and an
    HTML tag its angle brackets), line breaks made spaces, and web and e-mail addresses kept from
    becoming links (an invisible word joiner, :data:`WORD_JOINER`, inside them). ``None`` is the
    empty text."""
    if value is None:
        return ""
    text = _AUTOLINKS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(value)))
    return _MARKUP.sub(r"\\\1", text)
