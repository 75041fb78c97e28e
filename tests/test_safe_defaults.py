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


def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6: what ``ss -ltn`` lists)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(".".join(str(b) for b in raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
                    found.add(bytes(b"".join(words)).hex())
    return found


def test_a_plain_streamlit_run_listens_on_loopback_only(tmp_path):
    from tests import served_app

    # as a user starts it: no address on the command line, the project's config decides
    process, url, _log = served_app.start(tmp_path / "store", address=None)
    try:
        port = int(url.rsplit(":", 1)[1])
        addresses = _listening_addresses(port)
    finally:
        served_app.stop(process)
    assert addresses == {"127.0.0.1"}, addresses
