"""Starting the real app from app.py in AppTest, on one page, with sidebar filters set."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def open_page(page: str, **filters: str) -> AppTest:
    """Start from app.py, switch to ``pages/<page>.py`` and set the sidebar filters (keys: year,
    compare, service, age, sex, district); no exception may be raised on the way."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    for key, value in filters.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception, at.exception
    return at


def shown_tables(at: AppTest) -> list:
    """The frames of the page's wrapping tables (st.table) as a reader sees them: ``ui.render.static_table``
    backslash-escapes Markdown marks in every cell and heading (st.table reads Markdown), so the
    backslashes are taken out here, as the browser's rendering does."""
    import re

    def plain(value):
        return re.sub(r"\\(.)", r"\1", value) if isinstance(value, str) else value

    frames = []
    for element in at.table:
        frame = element.value.copy()
        frame.columns = [plain(c) for c in frame.columns]
        frame.index = frame.index.map(plain)
        frames.append(frame.map(plain))
    return frames
