"""The Data page, from app.py, with an NDTMS-shaped file: a date of birth is said not to be stored, and a
local service name gets a group proposed from its clients' ages, applied only when the user confirms it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import intake, store

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ("Client ID,Episode ID,Gender,DOB,District,Service,Triage date\n"
           "C1,E1,Male,15/06/2007,38UC,Oxon Youth Team,15/06/2023\n"
           "C2,E2,Female,16/06/2008,38UB,Oxon Youth Team,15/06/2024\n").encode()


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))


def report(at: AppTest):
    return next(df.value for df in at.dataframe if "waiting for a code group" in df.value.columns).iloc[0]


def test_service_proposal_is_confirmed_then_the_rows_load():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py").run()
    assert any(intake.NOT_STORED_NOTE in c.value for c in at.caption)  # said before any file is chosen
    at.file_uploader[0].set_value([("yp.csv", CONTENT, "text/csv")]).run()
    assert not at.exception, at.exception
    box = at.selectbox(key="data_code_service_Oxon Youth Team")
    assert box.value is None  # a group is proposed, not applied: the rows wait for it
    assert "Suggested: Young people" in box.help
    row = report(at)
    assert (row["table"], row["valid"], row["waiting for a code group"], row["rejected"]) == ("episodes", 0, 2, 0)
    at.button(key="data_code_accept").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="data_code_service_Oxon Youth Team").value == "Young people"
    row = report(at)
    assert (row["valid"], row["waiting for a code group"], row["rejected"]) == (2, 0, 0)
