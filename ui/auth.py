"""Login and roles in the app: who is using it (Streamlit's ``st.login``), the pages their role may
open, logout, and the audit log. The rules themselves are in ``analysis/access.py``."""

from __future__ import annotations

import getpass
import importlib.util
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from analysis import access
from ui import state

#: Session key of the current user's ``Access`` (set by app.py before the page runs).
ACCESS_KEY = "_access"
#: Settings ``[auth]`` must hold (besides a provider's client_id, client_secret, server_metadata_url).
REQUIRED_AUTH_SETTINGS = ("redirect_uri", "cookie_secret")
PROVIDER_SETTINGS = ("client_id", "client_secret", "server_metadata_url")
DEPLOYMENT_DOC = "docs/deployment.md"
NEED_ANALYST = ("You need the analyst role to open this page: it holds client-level records. Ask whoever "
                "runs the dashboard to add you to the analysts in its access settings.")
LOG = logging.getLogger("daat_dashboard")


@dataclass(frozen=True)
class Access:
    """Who is using the app this session: how (``access.LOCAL`` or ``access.LOGIN``), their name
    (e-mail, or the local user name) and their role."""

    mode: str
    name: str
    role: str | None

    @property
    def is_analyst(self) -> bool:
        return self.role == access.ANALYST


# ---------------------------------------------------------------- configuration
def auth_settings() -> Mapping[str, Any] | None:
    """The ``[auth]`` section of Streamlit's secrets (``.streamlit/secrets.toml`` or the files named
    by the ``secrets.files`` option), or None when there is none: login is then not configured."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except Exception:  # an unreadable secrets file: Streamlit logs why; treat as configured-but-broken
        return {}
    return section if isinstance(section, Mapping) else None


def providers(section: Mapping[str, Any]) -> list[str | None]:
    """The identity providers in ``[auth]``: None for one set directly in ``[auth]``, else the names
    of ``[auth.<name>]`` sections (e.g. ``[auth.microsoft]``), each usable with ``st.login(name)``."""
    found: list[str | None] = [None] if "client_id" in section else []
    found += [name for name, value in section.items() if isinstance(value, Mapping) and "client_id" in value]
    return found


def login_problem(section: Mapping[str, Any]) -> str | None:
    """What is missing from the login settings, in words, or None when login can work."""
    missing = [name for name in REQUIRED_AUTH_SETTINGS if not section.get(name)]
    if not providers(section):
        missing.append("a provider (client_id, client_secret, server_metadata_url)")
    if missing:
        return f"The login settings ([auth] in secrets.toml) lack: {', '.join(missing)}."
    if importlib.util.find_spec("authlib") is None:  # st.login needs it
        return "Login needs the Authlib package: install the project's requirements.txt."
    return None


# ---------------------------------------------------------------- the gate
def _local_name() -> str:
    try:
        return f"{getpass.getuser()} (this computer)"
    except (KeyError, OSError):  # no user name in some containers
        return "local user (this computer)"


def _only_screen(title: str, draw: Callable[[], None]) -> None:
    """Show one screen instead of the app and stop the run. It is the only page registered with
    ``st.navigation``, so no page of the app (nor Streamlit's ``pages/`` folder) can be opened by URL."""
    st.navigation([st.Page(draw, title=title, url_path="signin", default=True)], position="hidden").run()
    st.stop()


def _refuse(title: str, sentences: Sequence[str]) -> None:
    def refusal() -> None:
        st.title(title)
        for sentence in filter(None, sentences):
            st.text(sentence)  # may contain names from settings or the provider: never Markdown

    _only_screen(title, refusal)


def require_user() -> Access:
    """Who is using the app, or stop the run with the login screen or the reason nobody may see data.

    Login configured: the user must sign in (``st.login``) and be on the allow-list. Not configured:
    on a loopback address the single local user is an analyst; on any other address (or behind a
    reverse proxy) the app shows no data and says how to configure login."""
    st.session_state.pop(ACCESS_KEY, None)  # decided afresh on every run: never carried over from a sign-out
    section = auth_settings()
    mode = access.run_mode(section is not None, st.get_option("server.address"), dict(st.context.headers or {}))
    if mode == access.LOCAL:
        return _remember(Access(access.LOCAL, _local_name(), access.ANALYST))
    if mode == access.REFUSED:
        _refuse("Login is not configured", [
            f"This dashboard is served on the network address '{st.get_option('server.address') or 'every interface'}'"
            " (or through a reverse proxy) and no login is configured, so it shows no data: it holds "
            "client-level treatment records.",
            "To serve it on a network, configure login with your organisation's single sign-on: an [auth] "
            "section in .streamlit/secrets.toml and an access.toml allow-list of analysts and viewers "
            f"({DEPLOYMENT_DOC} says how).",
            "To use it on this computer only, set server.address = \"127.0.0.1\" in .streamlit/config.toml.",
        ])
    if problem := login_problem(section or {}):
        _refuse("Login is not working", [problem, f"Whoever runs the dashboard can fix it ({DEPLOYMENT_DOC})."])
    if not st.user.is_logged_in:
        _login_screen(providers(section or {}))
    claims = st.user.to_dict()
    name = access.user_name(claims)
    try:
        settings = access.load_settings(access.settings_path(state.saved_store().root))
    except access.AccessSettingsError as error:
        _logout_button()
        _refuse("Access settings cannot be read", [str(error), "Nobody has a role until they are fixed."])
    role = access.resolve_role(settings, claims)
    if role is None:
        _logout_button()
        _refuse("No access yet", [
            f"You are signed in as {name}, but you are not on this dashboard's list of analysts or viewers.",
            "This dashboard has no allow-list yet (access.toml in its store folder), so nobody has a role."
            if settings.empty else "",
            "Ask whoever runs the dashboard to add you to its access settings (access.toml), then reload this page.",
        ])
    return _remember(Access(access.LOGIN, name, role))


def _remember(user: Access) -> Access:
    st.session_state[ACCESS_KEY] = user
    return user


def _login_screen(names: Sequence[str | None]) -> None:
    def sign_in() -> None:
        st.title("Drug and alcohol needs assessment")
        st.text("Sign in with your organisation's account to see the dashboard.")
        for name in names:
            label = "Sign in" if name is None else f"Sign in with {name}"
            if st.button(label, key=f"auth_login_{name or 'default'}", type="primary"):
                st.login(name) if name else st.login()

    _only_screen("Sign in", sign_in)


def current() -> Access | None:
    """The current user's access (set by app.py on every run), or None before it has run."""
    return st.session_state.get(ACCESS_KEY)


def is_analyst() -> bool:
    """Whether the current user may see record-level data (the analyst role)."""
    user = current()
    return bool(user and user.is_analyst)


def name() -> str | None:
    """The current user's name for a saved version's "saved by" (None: the store uses the local user name)."""
    user = current()
    return user.name if user and user.mode == access.LOGIN else None


def require_analyst() -> None:
    """On a page only analysts may open: stop with the reason unless the user is an analyst."""
    if not is_analyst():
        st.warning(NEED_ANALYST, icon=":material/lock:")
        st.stop()


# ---------------------------------------------------------------- navigation and sidebar
def allowed_pages(pages: Sequence[Any], user: Access) -> list[Any]:
    """The pages for ``st.navigation``: the ones the user's role may open, and in place of each other
    one a hidden page at the same address that says the analyst role is needed (so a shared link
    explains itself rather than falling back to another page)."""
    shown = []
    for page in pages:
        if access.may_open(user.role, page.url_path):
            shown.append(page)
        else:
            shown.append(st.Page(_need_analyst_page(page.title), title=page.title, url_path=page.url_path,
                                 visibility="hidden"))
    return shown


def _need_analyst_page(title: str) -> Callable[[], None]:
    def need_analyst_role() -> None:
        st.title(title)
        st.warning(NEED_ANALYST, icon=":material/lock:")

    return need_analyst_role


def _logout_button() -> None:
    if st.sidebar.button("Log out", key="auth_logout", icon=":material/logout:"):
        st.logout()


def sidebar(user: Access) -> None:
    """Who is signed in, with their role, and a logout button (on every page); for local use, a note."""
    if user.mode == access.LOGIN:
        st.sidebar.text(f"Signed in as {user.name} ({user.role})")
        _logout_button()
    else:
        st.sidebar.caption("Local use on this computer: no login; you have the analyst role.")


# ---------------------------------------------------------------- audit log
def audit(action: str, detail: str) -> bool:
    """Record an event by the current user in the store's audit log; False (and logged) if it could
    not be written, so the page can say so."""
    user = current() or Access(access.LOCAL, _local_name(), access.ANALYST)
    try:
        access.record(state.saved_store().root, user.name, user.role, action, detail)
    except OSError:
        LOG.exception("audit log could not be written: %s %s", action, detail)
        return False
    return True


def audit_store_action(action: str, outcome: Any) -> None:
    """Record a Data page store action ("save", "boundaries" or "restore") and what it did."""
    detail = access.describe_save(outcome) if hasattr(outcome, "changes") else access.describe_version(action, outcome)
    if not audit(action, detail):
        st.session_state["data_audit_problem"] = "The action was done, but the audit log could not be written."


def audited_download(what: str, make: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap a download's deferred data function so that each download is recorded as an export by
    the user who was shown the button (the function runs outside the page run, where ``st.user`` is
    not available, so the user is captured now)."""
    user = current() or Access(access.LOCAL, _local_name(), access.ANALYST)
    root = state.saved_store().root
    selection = st.session_state.get(state.SELECTION_KEY)
    if selection is not None:  # which figures: the year, the comparison year and the filters
        comparison = getattr(selection.comparison_fy, "label", None) or "no comparison year"
        what += f" ({selection.fy.label} against {comparison}; {selection.filters.describe()})"

    def make_and_record() -> Any:
        data = make()
        try:
            access.record(root, user.name, user.role, "export", what)
        except OSError:
            LOG.exception("audit log could not be written: export %s", what)
        return data

    return make_and_record


AUDIT_ROWS_SHOWN = 50


def audit_table() -> None:
    """The audit log's newest events, for analysts on the Data page."""
    st.subheader("Audit log")
    if problem := st.session_state.pop("data_audit_problem", None):
        st.warning(problem)
    log = access.read_audit(state.saved_store().root, limit=AUDIT_ROWS_SHOWN)
    if log.empty:
        st.info("No saves, restores or exports have been recorded yet.")
        return
    st.dataframe(log, hide_index=True, key="data_audit_log")
    st.caption(f"The newest {min(len(log), AUDIT_ROWS_SHOWN)} events (times in UTC); the whole log is "
               f"{access.AUDIT_FILE} in the store folder.")
