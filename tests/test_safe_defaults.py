"""Safe defaults (issue 11, part 1): the server listens on this computer only, and a user never
sees a traceback: an unexpected error shows an error id, and the traceback goes to the server log."""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

import analysis.views.overview

ROOT = Path(__file__).resolve().parent.parent


def test_config_binds_to_loopback_and_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"


def test_unexpected_error_shows_an_error_id_and_logs_the_traceback(monkeypatch, caplog):
    secret = "client ABC123 value that must not reach the page"

    def broken(*args, **kwargs):
        raise RuntimeError(secret)

    monkeypatch.delenv("DAAT_DASHBOARD_SHOW_ERRORS", raising=False)
    monkeypatch.setattr(analysis.views.overview, "overview", broken)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    with caplog.at_level(logging.ERROR, logger="daat_dashboard"):
        at.run()
        at.switch_page("pages/overview.py").run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert len(messages) == 1, messages
    found = re.search(r"error id ([0-9a-f]{8})", messages[0])
    assert found, messages[0]
    assert secret not in messages[0]
    page_text = " ".join(str(getattr(el, "value", "")) for el in at.main)
    assert secret not in page_text
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info and secret in str(logged[0].exc_info[1])
