"""The real app from app.py: it starts on the demo data and every page runs without exception."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.dataset import SYNTHETIC_NOTICE

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def start() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_app_starts_on_demo_data_and_says_it_is_synthetic():
    at = start()
    assert any(SYNTHETIC_NOTICE in w.value for w in at.warning)
    assert at.selectbox(key="year").value == "2024/25"
    assert at.selectbox(key="compare").value == "2023/24"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(page):
    at = start()
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, at.exception
    assert at.title, f"{page} shows no title"
