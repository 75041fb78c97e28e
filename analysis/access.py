"""Who may use the dashboard and what they may open: roles from an allow-list, and the append-only audit log.

Pure functions (no Streamlit): ``ui/auth.py`` feeds them the signed-in user's OIDC claims, the
server's listen address and the store folder.

Roles (issue 11):

* ``viewer``: the board pages (suppressed figures and their downloads) and the suppressed parts of
  the Data quality page.
* ``analyst``: everything a viewer has, plus the Data page (upload, mapping, save, restore, the
  audit log) and the record-level lists of the Data quality page.

The allow-list is a TOML file, ``access.toml`` in the store folder (or the file named by the
``DAAT_DASHBOARD_ACCESS`` environment variable)::

    # E-mail addresses, matched ignoring case; "*@example.gov.uk" matches a whole domain.
    analysts = ["ana.lyst@example.gov.uk"]
    viewers = ["*@example.gov.uk"]

    # Optional: roles from a claim the identity provider sends (Entra ID app roles, Okta groups...).
    [claim]
    name = "roles"
    analysts = ["DAAT.Analyst"]
    viewers = ["DAAT.Viewer"]

A user matching both lists is an analyst. A user matching neither is signed in but may see
nothing. An e-mail address the provider marks unverified (``email_verified = false``) is not
matched, so an account at a provider that does not check addresses cannot claim someone's role.

The audit log is ``audit.jsonl`` in the store folder: one JSON object per line, appended (never
rewritten), each write flushed and fsynced before the action is reported done.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import DashboardError

VIEWER, ANALYST = "viewer", "analyst"
#: Roles from least to most: a user with several matches gets the last.
ROLES = (VIEWER, ANALYST)
#: Pages (their ``url_path``) only an analyst may open: the Data page holds uploads, saves and restores.
ANALYST_PAGES = frozenset({"data"})
#: Environment variable naming the access settings file (default: ``ACCESS_FILE`` in the store folder).
ACCESS_ENV = "DAAT_DASHBOARD_ACCESS"
ACCESS_FILE = "access.toml"
AUDIT_FILE = "audit.jsonl"
#: How the app runs: the single local user (no login, loopback only), signed-in users, or refused.
LOCAL, LOGIN, REFUSED = "local", "login", "refused"
#: Columns of the audit log as a table (newest first).
AUDIT_COLUMNS = ["when", "who", "role", "action", "detail"]
#: Host names that mean "this computer only".
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class AccessSettingsError(DashboardError):
    """The access settings file cannot be read; nobody is given a role until it is fixed."""


# ---------------------------------------------------------------- where the app listens
def is_loopback(address: str | None) -> bool:
    """True when a server listening on ``address`` is reachable from this computer only.

    An empty address is Streamlit's default, every interface, so it is not loopback; ``0.0.0.0``
    and ``::`` are every interface too. Loopback: ``localhost``, ``127.0.0.0/8`` and ``::1``."""
    text = (address or "").strip().strip("[]").lower()
    if not text:
        return False
    if text in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:  # any other host name may resolve to a network address
        return False


#: Request headers a reverse proxy adds: their presence means the request came through one.
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")


def is_proxied(headers: Mapping[str, str]) -> bool:
    """True when the request carries a reverse proxy's forwarding headers (the app is then reachable
    from wherever the proxy is, even though it listens on loopback)."""
    names = {str(name).lower() for name in headers}
    return any(header in names for header in PROXY_HEADERS)


def run_mode(login_configured: bool, address: str | None, headers: Mapping[str, str] | None = None) -> str:
    """How the app runs: ``LOGIN`` when login is configured; else ``LOCAL`` (the single local user,
    treated as an analyst) when the server listens on loopback and the request did not come through
    a reverse proxy; else ``REFUSED`` (no data shown until login is configured)."""
    if login_configured:
        return LOGIN
    if is_loopback(address) and not is_proxied(headers or {}):
        return LOCAL
    return REFUSED


# ---------------------------------------------------------------- the allow-list
@dataclass(frozen=True)
class AccessSettings:
    """The allow-list: e-mail patterns per role, and optionally an OIDC claim's values per role."""

    emails: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    claim: str | None = None
    claim_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""

    @property
    def empty(self) -> bool:
        return not any(self.emails.values()) and not (self.claim and any(self.claim_values.values()))


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AccessSettingsError(f"In the access settings, '{where}' must be a list of text values.")
    return tuple(v.strip() for v in value if v.strip())


def parse_settings(text: str, source: str = ACCESS_FILE) -> AccessSettings:
    """Read the allow-list from TOML text (format: the module docstring). Raises
    :class:`AccessSettingsError` naming the problem when the text is not valid."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AccessSettingsError(f"The access settings ({Path(source).name}) are not valid TOML: {error}.") from error
    known = {"analysts", "viewers", "claim"}
    if unknown := sorted(set(raw) - known):
        raise AccessSettingsError(f"The access settings ({Path(source).name}) have unknown entries: "
                                  f"{', '.join(unknown)}. Use: analysts, viewers, [claim].")
    emails = {role: tuple(e.lower() for e in _string_list(raw.get(f"{role}s"), f"{role}s")) for role in ROLES}
    claim_section = raw.get("claim", {})
    if not isinstance(claim_section, dict):
        raise AccessSettingsError("In the access settings, 'claim' must be a section: [claim].")
    claim = claim_section.get("name")
    if claim is not None and (not isinstance(claim, str) or not claim.strip()):
        raise AccessSettingsError("In the access settings, [claim] name must be the claim's name, e.g. \"roles\".")
    values = {role: _string_list(claim_section.get(f"{role}s"), f"claim.{role}s") for role in ROLES}
    if any(values.values()) and not claim:
        raise AccessSettingsError("In the access settings, [claim] lists values but no name: add name = \"roles\" "
                                  "(or the claim your identity provider sends).")
    return AccessSettings(emails, claim.strip() if claim else None, values, source)


def settings_path(store_root: Path) -> Path:
    """The access settings file: ``DAAT_DASHBOARD_ACCESS`` if set, else ``access.toml`` in the store folder."""
    configured = os.environ.get(ACCESS_ENV, "").strip()
    return Path(configured).expanduser() if configured else Path(store_root) / ACCESS_FILE


def load_settings(path: Path) -> AccessSettings:
    """The allow-list in ``path``; an empty one (nobody allowed) when the file does not exist."""
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        return AccessSettings(source=str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise AccessSettingsError(f"The access settings ({Path(path).name}) cannot be read: {error}.") from error
    return parse_settings(text, str(path))


def _email_matches(email: str, pattern: str) -> bool:
    if pattern.startswith("*@"):
        return email.endswith(pattern[1:]) and email.count("@") == 1
    return email == pattern


def user_email(user: Mapping[str, Any]) -> str | None:
    """The user's e-mail address from OIDC claims (``email``, else Entra ID's ``preferred_username``
    when it is an address), lower case; None when the provider marks it unverified."""
    if user.get("email_verified") is False:
        return None
    for claim in ("email", "preferred_username", "upn"):
        value = user.get(claim)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


def _claim_values(user: Mapping[str, Any], claim: str) -> set[str]:
    value = user.get(claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        return {str(v) for v in value}
    return set()


def resolve_role(settings: AccessSettings, user: Mapping[str, Any]) -> str | None:
    """The user's role: the highest role whose e-mail patterns match the user's (verified) e-mail or
    whose claim values include one of the user's values of ``settings.claim``; None when none does."""
    email = user_email(user)
    values = _claim_values(user, settings.claim) if settings.claim else set()
    role = None
    for candidate in ROLES:
        by_email = email is not None and any(_email_matches(email, p) for p in settings.emails.get(candidate, ()))
        by_claim = bool(values & set(settings.claim_values.get(candidate, ())))
        if by_email or by_claim:
            role = candidate
    return role


def user_name(user: Mapping[str, Any]) -> str:
    """How the audit log and the sidebar name a signed-in user: e-mail, else name, else subject id."""
    for claim in ("email", "preferred_username", "name", "sub"):
        value = user.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "unknown user"


def may_open(role: str | None, url_path: str) -> bool:
    """Whether a user with ``role`` may open the page at ``url_path``."""
    if role == ANALYST:
        return True
    return role == VIEWER and url_path not in ANALYST_PAGES


# ---------------------------------------------------------------- the audit log
def audit_path(store_root: Path) -> Path:
    return Path(store_root) / AUDIT_FILE


def record(
    store_root: Path, who: str, role: str | None, action: str, detail: str, when: datetime.datetime | None = None,
) -> dict[str, str]:
    """Append one event to the audit log (``audit.jsonl`` in the store folder) and flush it to disk.

    One ``write`` of one line on a file opened for appending, then ``fsync``: lines from several
    processes never interleave, and an event is on disk before the action is reported done."""
    moment = (when or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    entry = {"when": moment.isoformat(timespec="seconds"), "who": who, "role": role or "",
             "action": action, "detail": detail}
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    Path(store_root).mkdir(parents=True, exist_ok=True)
    fd = os.open(audit_path(store_root), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def read_audit(store_root: Path, limit: int | None = None) -> pd.DataFrame:
    """The audit log as a table, newest first (``AUDIT_COLUMNS``), at most ``limit`` rows.

    A line that cannot be read (e.g. cut short by a crash mid-write) is kept as a row whose action
    is "unreadable entry" and whose detail names the line, so no event disappears silently."""
    path = audit_path(store_root)
    rows: list[dict[str, str]] = []
    if path.is_file():
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    entry = json.loads(raw.decode("utf-8"))
                    if not isinstance(entry, dict):
                        raise ValueError("not an object")
                    rows.append({c: str(entry.get(c, "")) for c in AUDIT_COLUMNS})
                except ValueError:  # json and unicode errors are both ValueError
                    rows.append({"when": "", "who": "", "role": "", "action": "unreadable entry",
                                 "detail": f"line {number} of {AUDIT_FILE}"})
    frame = pd.DataFrame(rows[::-1], columns=AUDIT_COLUMNS).astype("string")
    return frame.head(limit).reset_index(drop=True) if limit is not None else frame


# ---------------------------------------------------------------- what an event did, in words
def describe_save(result: Any) -> str:
    """The audit detail of a save (``analysis.store.SaveResult``): the version and, per table, the
    file, merge mode and rows saved, e.g. "version 3: episodes from extract.csv (add, 1,204 rows saved)"."""
    parts = [f"{c.table} from {c.source} ({c.mode}, {c.rows_after:,} rows saved)" for c in result.changes]
    return f"version {result.version.number}: {'; '.join(parts)}"


def describe_version(action: str, version: Any) -> str:
    """The audit detail of a restore or a boundaries save (``analysis.store.Version``)."""
    if action == "restore":
        return f"version {version.number} made the current saved data"
    source = version.manifest.get("boundaries", {}).get("source", "")
    return f"version {version.number}: boundaries from {source}" if source else f"version {version.number}"
