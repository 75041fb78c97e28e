"""Many users at once (issue 11, item 6), in a real browser: ten sessions on one server, each on a
different page and selection, while another process saves a new version. No session shows an
error; each keeps showing the version it started on until it reruns, then shows the new one."""

from __future__ import annotations

import pytest

from benchmarks import sessions
from tests.test_e2e_browser import CHROMIUM  # noqa: F401 (skips this module when chromium is missing)

pytestmark = pytest.mark.e2e


def test_ten_sessions_stay_consistent_while_a_new_version_is_saved():
    figures = sessions.run(10)
    assert figures["saved_version"] == 2
    assert {i: p for i, p in figures["problems"].items() if p} == {}
    assert set(figures["before_rerun"].values()) == {1}, figures["before_rerun"]
    assert set(figures["after_rerun"].values()) == {2}, figures["after_rerun"]
    assert figures["rss_per_extra_session_bytes"] >= 0
