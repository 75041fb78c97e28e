"""The product's errors: one base class, caught at one boundary in the app, each with a message a user can act on."""

from __future__ import annotations


class DashboardError(Exception):
    """Base class of errors the app shows to the user as a warning with a next step."""


class FileProblem(DashboardError):
    """A whole file cannot be used (unreadable, empty, too large, wrong table)."""


class MissingColumnError(FileProblem):
    """A required column of the data contract is not in the file."""


class InvalidValueError(DashboardError, ValueError):
    """A value given to a calculation is outside what the method allows (names the row)."""


class EmptySelectionError(DashboardError):
    """The filters select no records; the page shows a sentence instead of a chart."""
