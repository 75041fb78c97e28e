"""Test-wide settings: no test may read or write the user's real data store."""

from __future__ import annotations

import os
import tempfile

# Set at import, before any test module imports the app, so AppTest runs and subprocesses
# started by tests see it too. Tests that need their own store set it again with monkeypatch.
os.environ["DAAT_DASHBOARD_STORE"] = tempfile.mkdtemp(prefix="daat-store-tests-")
# Unexpected errors reach the tests as exceptions (the app shows users only an error id).
os.environ["DAAT_DASHBOARD_SHOW_ERRORS"] = "1"
