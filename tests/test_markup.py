"""Text from a file is never read as Markdown or HTML (issue 11 item 5): a hostile district name, code
and file name go through the real app (saved, chosen, every page opened with that district selected)
and every place Streamlit reads Markdown shows them literally."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from analysis import store
from analysis.dataset import DEMO_DIR
from analysis.loaders import load_table
from analysis.text import as_text

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "**bold** [link](https://example.org) <img src=x onerror=alert(1)>"
DISTRICT = "E07000178"
#: Proto fields Streamlit reads as Markdown: text elements' and alerts' body, widget and expander labels, help.
MARKDOWN_FIELDS = {"body", "label", "help", "placeholder"}
PAGES = ["overview", "people", "substances", "referrals", "treatment_exits", "spc", "districts_map", "data",
         "data_quality", "about"]
TABLES = ["episodes", "substances", "referrals", "districts", "population", "interventions", "prevalence"]


def test_as_text_escapes_every_mark_and_keeps_the_words():
    shown = as_text(HOSTILE)
    assert shown == ("\\*\\*bold\\*\\* \\[link\\]\\(https\\:\u2060//example\\.org\\) "
                     "\\<img src\\=x onerror\\=alert\\(1\\)\\>")
    assert as_text("see www.example.org or me@example.org") == "see www\u2060\\.example\\.org or me\u2060@example\\.org"
    assert as_text("line one\nline two") == "line one line two"
    assert as_text(None) == "" and as_text("Oxford") == "Oxford"


@pytest.fixture
def hostile_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    return save_hostile_store()


def save_hostile_store() -> store.Store:
    """A saved version whose district E07000178 is named HOSTILE, some episodes' ethnicity code and
    discharge reason and some referrals' source are HOSTILE, and the files were named with HOSTILE;
    the app shows the saved data. The store is the one ``DAAT_DASHBOARD_STORE`` names."""
    districts = pd.read_parquet(DEMO_DIR / "districts.parquet")
    districts.loc[districts["district_code"] == DISTRICT, "district_name"] = HOSTILE
    episodes = pd.read_parquet(DEMO_DIR / "episodes.parquet")
    episodes.loc[episodes.index[episodes["district_code"] == DISTRICT][:3], "ethnicity"] = HOSTILE
    discharged = episodes.index[(episodes["district_code"] == DISTRICT) & episodes["discharge_reason"].notna()]
    episodes.loc[discharged[:6], "discharge_reason"] = HOSTILE  # a discharge reason as recorded
    referrals = pd.read_parquet(DEMO_DIR / "referrals.parquet")
    referrals.loc[referrals.index[:6], "referral_source"] = HOSTILE  # a referral source code
    frames = {"districts": districts, "episodes": episodes, "referrals": referrals}
    uploads = []
    for table in TABLES:
        path = DEMO_DIR / f"{table}.parquet"
        if table in frames:
            buffer = io.BytesIO()
            frames[table].to_parquet(buffer, index=False)
            uploads.append(store.Upload(load_table(io.BytesIO(buffer.getvalue()), table,
                                                   filename=f"{HOSTILE} {table}.parquet")))
        elif path.exists():
            uploads.append(store.Upload(load_table(path, table)))
    saved = store.Store.open()
    saved.save(uploads)
    saved.set_preferred_source(store.SAVED)
    return saved


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) of every proto field Streamlit reads as Markdown, in main and sidebar."""
    found: list[tuple[str, str]] = []

    def fields(message: Message, kind: str) -> None:
        for descriptor, value in message.ListFields():
            if descriptor.type == descriptor.TYPE_MESSAGE:
                for item in ([value] if isinstance(value, Message) else value):
                    fields(item, kind)
            elif descriptor.name in MARKDOWN_FIELDS and isinstance(value, str):
                found.append((kind, value))

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            fields(proto, getattr(node, "type", type(node).__name__))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return found


def assert_literal(texts: list[tuple[str, str]], where: str) -> int:
    """Every text holding the hostile string holds it escaped; no raw mark is left. Returns how many held it."""
    held = 0
    for kind, text in texts:
        if "bold" not in text and "img src" not in text:
            continue
        held += 1
        assert as_text(HOSTILE) in text, f"{where}: {kind} shows the name unescaped: {text!r}"
        assert "**bold**" not in text and "<img" not in text.replace("\\<img", ""), f"{where}: {kind}: {text!r}"
    return held


@pytest.mark.parametrize("page", PAGES)
def test_a_hostile_name_code_and_file_name_are_shown_literally_on_every_page(page, hostile_store):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()  # the Overview, which draws every filter: choose the district there, then open the page
    district = at.selectbox(key="district")
    assert DISTRICT in district.options or HOSTILE in district.options  # the sidebar lists it (as plain text)
    district.set_value(DISTRICT).run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert_literal(markdown_texts(at), page)
    if page in ("overview", "people", "referrals", "substances", "treatment_exits", "districts_map"):
        # the heading line names the district by its name (not its code), escaped
        heading = [t for k, t in markdown_texts(at) if "compared with" in t]
        assert heading and as_text(HOSTILE) in heading[0], heading
    if page == "data_quality":
        at.toggle(key="quality_show_records").set_value(True).run()
        codes = pd.concat([df.value for df in at.dataframe if "detail" in df.value.columns or "code" in df.value.columns
                           or "Code" in df.value.columns], ignore_index=True)
        assert codes.astype(str).apply(lambda c: c.str.contains(HOSTILE, regex=False)).any().any()  # shown as written


def test_a_hostile_file_name_is_shown_literally_on_the_data_page(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/data.py").run()
    name = f"{HOSTILE} districts.csv"
    content = f"district_code,district_name\n{DISTRICT},{HOSTILE}\nE07000179,x\n".encode()
    episodes = ("client_id,episode_id,sex,age_at_triage,district_code,service,triage_date\n"
                f"C1,E1,M,30,{DISTRICT},{HOSTILE},2024-05-01\nC2,E2,F,30,{DISTRICT},adult,2024-05-01\n").encode()
    at.file_uploader[0].set_value([(name, content, "text/csv"), ("episodes.csv", episodes, "text/csv")]).run()
    assert not at.exception, at.exception
    texts = markdown_texts(at)
    assert assert_literal(texts, "data page") >= 3  # the file's box label, its report sentence, the code box
    code_box = next(s for s in at.selectbox if s.key == f"data_code_service_{HOSTILE}")
    assert code_box.label == f"service: '{as_text(HOSTILE)}' (1 rows)"
    code_box.set_value("Adults").run()
    at.button(key="data_save").click().run()
    assert not at.exception, at.exception
    assert assert_literal(markdown_texts(at), "data page after save") >= 1
