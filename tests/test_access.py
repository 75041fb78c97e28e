"""Login and roles (issue 11, part 2): role resolution from the allow-list, where the app may run
without login, the append-only audit log on real files, and the gate in the real app (AppTest)."""

from __future__ import annotations

import datetime
import json
import multiprocessing
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from analysis import access
from analysis.access import ANALYST, VIEWER

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = """
analysts = ["Ana.Lyst@Council.gov.uk"]
viewers = ["*@council.gov.uk", "chair@board.org"]

[claim]
name = "roles"
analysts = ["DAAT.Analyst"]
viewers = ["DAAT.Viewer"]
"""


# ---------------------------------------------------------------- role resolution
@pytest.mark.parametrize("user, role", [
    ({"email": "ana.lyst@council.gov.uk"}, ANALYST),              # analyst list, case ignored
    ({"email": "ANA.LYST@council.gov.uk"}, ANALYST),
    ({"email": "someone@council.gov.uk"}, VIEWER),                # domain pattern
    ({"email": "chair@board.org"}, VIEWER),
    ({"email": "other@board.org"}, None),                          # same domain, not listed
    ({"email": "x@evilcouncil.gov.uk"}, None),                     # "*@council.gov.uk" is not a suffix match
    ({"email": "x@sub.council.gov.uk"}, None),
    ({"email": "a@b@council.gov.uk"}, None),
    ({"email": "ana.lyst@council.gov.uk", "email_verified": False}, None),   # unverified address
    ({"email": "ana.lyst@council.gov.uk", "email_verified": True}, ANALYST),
    ({"preferred_username": "ana.lyst@council.gov.uk"}, ANALYST),  # Entra ID without an email claim
    ({"email": "nobody@else.org", "roles": ["DAAT.Viewer"]}, VIEWER),
    ({"email": "nobody@else.org", "roles": "DAAT.Analyst"}, ANALYST),
    ({"email": "someone@council.gov.uk", "roles": ["DAAT.Analyst"]}, ANALYST),  # highest role wins
    ({"email": "nobody@else.org", "roles": ["Other"]}, None),
    ({"email": "nobody@else.org", "groups": ["DAAT.Analyst"]}, None),  # only the named claim counts
    ({}, None),
])
def test_role_from_the_allow_list(user, role):
    settings = access.parse_settings(SETTINGS)
    assert access.resolve_role(settings, user) == role


def test_missing_settings_file_allows_nobody(tmp_path):
    settings = access.load_settings(tmp_path / "access.toml")
    assert settings.empty
    assert access.resolve_role(settings, {"email": "ana.lyst@council.gov.uk"}) is None


def test_settings_file_is_in_the_store_unless_named(tmp_path, monkeypatch):
    monkeypatch.delenv(access.ACCESS_ENV, raising=False)
    assert access.settings_path(tmp_path) == tmp_path / "access.toml"
    monkeypatch.setenv(access.ACCESS_ENV, str(tmp_path / "elsewhere.toml"))
    assert access.settings_path(tmp_path) == tmp_path / "elsewhere.toml"


def test_settings_read_from_a_real_file(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text(SETTINGS, "utf-8")
    settings = access.load_settings(path)
    assert settings.emails[ANALYST] == ("ana.lyst@council.gov.uk",)
    assert settings.claim == "roles"


@pytest.mark.parametrize("text, message", [
    ("analysts = [", r"not valid TOML"),
    ("analysts = \"a@b.org\"\nadmins = [\"x@y.org\"]", r"unknown entries: admins"),
    ("analysts = [1, 2]", r"'analysts' must be a list of text values"),
    ("[claim]\nanalysts = [\"DAAT.Analyst\"]", r"lists values but no name"),
    ("claim = \"roles\"", r"'claim' must be a section"),
])
def test_invalid_settings_are_named(text, message):
    with pytest.raises(access.AccessSettingsError, match=message):
        access.parse_settings(text)


@pytest.mark.parametrize("role, page, allowed", [
    (ANALYST, "data", True), (ANALYST, "overview", True),
    (VIEWER, "data", False), (VIEWER, "overview", True), (VIEWER, "data_quality", True),
    (None, "overview", False),
])
def test_which_pages_a_role_may_open(role, page, allowed):
    assert access.may_open(role, page) is allowed


# ---------------------------------------------------------------- where the app may run without login
@pytest.mark.parametrize("address, loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.1.1", True),
    ("LOCALHOST", True), ("0.0.0.0", False), ("::", False), ("", False), (None, False),
    ("192.168.1.10", False), ("dashboard.council.gov.uk", False),
])
def test_loopback_addresses(address, loopback):
    assert access.is_loopback(address) is loopback


@pytest.mark.parametrize("configured, address, headers, mode", [
    (False, "127.0.0.1", {}, access.LOCAL),
    (False, "0.0.0.0", {}, access.REFUSED),
    (False, None, {}, access.REFUSED),              # Streamlit's default: every interface
    (False, "127.0.0.1", {"X-Forwarded-For": "10.0.0.5"}, access.REFUSED),   # behind a reverse proxy
    (True, "0.0.0.0", {}, access.LOGIN),
    (True, "127.0.0.1", {}, access.LOGIN),
])
def test_run_mode(configured, address, headers, mode):
    assert access.run_mode(configured, address, headers) == mode


# ---------------------------------------------------------------- the audit log, on real files
def test_audit_log_appends_one_line_per_event_and_reads_newest_first(tmp_path):
    first = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
    access.record(tmp_path, "ana@council.gov.uk", ANALYST, "save", "version 1: episodes from a.csv", when=first)
    access.record(tmp_path, "ana@council.gov.uk", ANALYST, "restore", "version 1 made the current saved data",
                  when=first + datetime.timedelta(minutes=5))
    lines = (tmp_path / "audit.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["save", "restore"]
    assert json.loads(lines[0]) == {"when": "2026-11-30T09:00:00+00:00", "who": "ana@council.gov.uk",
                                    "role": "analyst", "action": "save", "detail": "version 1: episodes from a.csv"}
    log = access.read_audit(tmp_path)
    assert log["action"].tolist() == ["restore", "save"]
    assert log.columns.tolist() == access.AUDIT_COLUMNS
    assert access.read_audit(tmp_path, limit=1)["action"].tolist() == ["restore"]


def test_audit_log_never_rewrites_earlier_lines(tmp_path):
    access.record(tmp_path, "a", ANALYST, "save", "one")
    before = (tmp_path / "audit.jsonl").read_bytes()
    access.record(tmp_path, "b", VIEWER, "export", "two")
    after = (tmp_path / "audit.jsonl").read_bytes()
    assert after.startswith(before) and len(after) > len(before)


def test_audit_log_keeps_a_damaged_line_visible(tmp_path):
    access.record(tmp_path, "a", ANALYST, "save", "one")
    with open(tmp_path / "audit.jsonl", "ab") as handle:
        handle.write(b'{"when": "2026-11-30T09:0')  # a write cut short by a crash
    log = access.read_audit(tmp_path)
    assert log.loc[0, "action"] == "unreadable entry"
    assert log.loc[0, "detail"] == "line 2 of audit.jsonl"
    assert log.loc[1, "detail"] == "one"


def test_audit_log_missing_is_empty(tmp_path):
    log = access.read_audit(tmp_path)
    assert log.empty and log.columns.tolist() == access.AUDIT_COLUMNS


def _append_many(root: str, name: str, count: int) -> None:
    for i in range(count):
        access.record(Path(root), name, ANALYST, "save", f"{name} event {i} " + "x" * 200)


def test_audit_log_lines_from_several_processes_never_interleave(tmp_path):
    processes = [multiprocessing.Process(target=_append_many, args=(str(tmp_path), f"p{n}", 200)) for n in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
    log = access.read_audit(tmp_path)
    assert len(log) == 600
    assert (log["action"] == "save").all()
    assert sorted(log["who"].value_counts().tolist()) == [200, 200, 200]


def test_audit_details_of_store_actions(tmp_path):
    from analysis import store
    from analysis.loaders import load_table

    result = load_table(ROOT / "data" / "samples" / "districts.csv", "districts")
    saved = store.Store.open(tmp_path).save([store.Upload(result)], saved_by="ana@council.gov.uk")
    assert access.describe_save(saved) == f"version 1: districts from districts.csv (add, {len(result.data):,} rows saved)"
    restored = store.Store.open(tmp_path).restore(1)
    assert access.describe_version("restore", restored) == "version 1 made the current saved data"
    assert saved.version.manifest["saved_by"] == "ana@council.gov.uk"


# ---------------------------------------------------------------- the gate in the real app
AUTH_SECRETS = {"auth": {
    "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a-test-cookie-secret-of-some-length",
    "client_id": "dashboard", "client_secret": "not-a-secret",
    "server_metadata_url": "http://localhost:1/.well-known/openid-configuration",
}}


@pytest.fixture
def listen_on():
    """Set ``server.address`` for AppTest runs (they read the same process-wide config), then restore it."""
    before = st_config.get_option("server.address")

    def set_address(address):
        st_config.set_option("server.address", address)

    yield set_address
    st_config.set_option("server.address", before)


def _app(**kwargs) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for name, value in kwargs.items():
        setattr(at, name, value)
    return at


def _texts(at: AppTest) -> str:
    return " ".join(str(getattr(e, "value", "")) for e in [*at.main, *at.sidebar])


def test_on_loopback_without_login_the_local_user_is_an_analyst(listen_on):
    listen_on("127.0.0.1")
    at = _app()
    at.run()
    assert not at.exception
    assert "Local use on this computer" in _texts(at)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert any(s.value == "Audit log" for s in at.subheader)
    at.switch_page("pages/data_quality.py").run()
    assert [t.key for t in at.toggle] == ["quality_show_records"]


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.10", ""])
def test_on_a_network_address_without_login_no_data_are_shown(listen_on, address):
    listen_on(address)
    at = _app()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Login is not configured"
    text = _texts(at)
    assert "docs/deployment.md" in text and "[auth]" in text and "access.toml" in text
    assert "Synthetic demo data" not in text  # no provenance banner: no data
    assert not at.selectbox  # no sidebar filters
    with pytest.raises(ValueError):  # no page is registered, so none can be opened
        at.switch_page("pages/overview.py")


def test_with_login_configured_nobody_sees_data_before_signing_in(listen_on):
    listen_on("0.0.0.0")
    at = _app(secrets=AUTH_SECRETS, user={"is_logged_in": False})
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Synthetic demo data" not in _texts(at)


def test_incomplete_login_settings_are_named(listen_on):
    listen_on("0.0.0.0")
    at = _app(secrets={"auth": {"client_id": "dashboard"}}, user={"is_logged_in": False})
    at.run()
    assert at.title[0].value == "Login is not working"
    assert "redirect_uri, cookie_secret" in _texts(at)


def _allow_list(monkeypatch, tmp_path) -> None:
    path = tmp_path / "access.toml"
    path.write_text('analysts = ["ana@council.gov.uk"]\nviewers = ["vic@council.gov.uk"]\n', "utf-8")
    monkeypatch.setenv(access.ACCESS_ENV, str(path))


def test_a_signed_in_viewer_has_board_pages_only(listen_on, monkeypatch, tmp_path):
    listen_on("0.0.0.0")
    _allow_list(monkeypatch, tmp_path)
    at = _app(secrets=AUTH_SECRETS, user={"is_logged_in": True, "email": "vic@council.gov.uk"})
    at.run()
    assert not at.exception
    assert "Signed in as vic@council.gov.uk (viewer)" in _texts(at)
    assert "Log out" in [b.label for b in at.sidebar.button]
    assert "Synthetic demo data" in _texts(at)
    with pytest.raises(ValueError):  # the Data page file is not a page of this user's navigation
        at.switch_page("pages/data.py")
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception
    assert at.title[0].value == "Data quality"
    assert not at.toggle  # no switch to the record-level lists


def test_a_signed_in_analyst_has_the_data_page_and_record_lists(listen_on, monkeypatch, tmp_path):
    listen_on("0.0.0.0")
    _allow_list(monkeypatch, tmp_path)
    at = _app(secrets=AUTH_SECRETS, user={"is_logged_in": True, "email": "ana@council.gov.uk"})
    at.run()
    assert "Signed in as ana@council.gov.uk (analyst)" in _texts(at)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.title[0].value == "Data"
    at.switch_page("pages/data_quality.py").run()
    assert [t.key for t in at.toggle] == ["quality_show_records"]


def test_record_level_lists_are_shown_to_analysts_only(listen_on, monkeypatch, tmp_path):
    listen_on("0.0.0.0")
    _allow_list(monkeypatch, tmp_path)
    tables = {}
    for email in ("ana@council.gov.uk", "vic@council.gov.uk"):
        at = _app(secrets=AUTH_SECRETS, user={"is_logged_in": True, "email": email})
        at.run()
        at.switch_page("pages/data_quality.py").run()
        assert not at.exception
        tables[email] = len(at.dataframe)
        if at.toggle:
            at.toggle(key="quality_show_records").set_value(True).run()
            tables[email + " with records"] = len(at.dataframe)
    # the demo data hold records to correct, so the analyst's switch adds tables; the viewer has only the summaries
    assert tables["ana@council.gov.uk with records"] > tables["ana@council.gov.uk"] == tables["vic@council.gov.uk"]
    assert "vic@council.gov.uk with records" not in tables


def test_a_signed_in_user_not_on_the_allow_list_sees_no_data(listen_on, monkeypatch, tmp_path):
    listen_on("0.0.0.0")
    _allow_list(monkeypatch, tmp_path)
    at = _app(secrets=AUTH_SECRETS, user={"is_logged_in": True, "email": "**eve**@elsewhere.org"})
    at.run()
    assert not at.exception
    assert at.title[0].value == "No access yet"
    assert "You are signed in as **eve**@elsewhere.org" in _texts(at)  # shown as text, not Markdown
    assert "Synthetic demo data" not in _texts(at)
    assert "Log out" in [b.label for b in at.sidebar.button]


def test_saves_and_restores_on_the_data_page_are_audited_with_the_signed_in_user(listen_on, monkeypatch, tmp_path):
    from analysis import store
    from analysis.loaders import load_table

    listen_on("0.0.0.0")
    _allow_list(monkeypatch, tmp_path)
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    saved = store.Store.open()
    saved.save([store.Upload(load_table(ROOT / "data" / "samples" / "districts.csv", "districts"))])
    at = _app(secrets=AUTH_SECRETS, user={"is_logged_in": True, "email": "ana@council.gov.uk"})
    at.run()
    at.switch_page("pages/data.py").run()
    assert any(i.value == "No saves, restores or exports have been recorded yet." for i in at.info)
    # save through the page: upload the districts sample file, then save
    sample = (ROOT / "data" / "samples" / "districts.csv").read_bytes()
    at.file_uploader[0].set_value([("districts.csv", sample, "text/csv")]).run()  # the one-pass uploader
    at.button(key="data_save").click().run()
    assert not at.exception, at.exception
    assert saved.current().number == 2
    assert saved.current().manifest["saved_by"] == "ana@council.gov.uk"
    # restore version 1 through the page
    at.selectbox(key="data_restore_version").set_value(1).run()
    at.button(key="data_restore").click().run()
    assert not at.exception, at.exception
    assert saved.current().number == 1
    log = access.read_audit(saved.root)
    rows = len(saved.table("districts", 2))
    assert log[["who", "role", "action", "detail"]].values.tolist() == [
        ["ana@council.gov.uk", "analyst", "restore", "version 1 made the current saved data"],
        ["ana@council.gov.uk", "analyst", "save", f"version 2: districts from districts.csv (add, {rows:,} rows saved)"],
    ]  # the version restored names itself; the save, what it saved
    shown = [d.value for d in at.dataframe if list(d.value.columns) == access.AUDIT_COLUMNS]
    assert len(shown) == 1 and shown[0]["action"].tolist() == ["restore", "save"]
