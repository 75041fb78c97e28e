"""Tiny hand-built tables in the loaders' output shape, for unit tests of the measures."""

from __future__ import annotations

import pandas as pd

from analysis.codes import map_codes

EPISODE_DEFAULTS = {
    "sex": "M",
    "age_at_triage": 30,
    "ethnicity": "white british",
    "district_code": "E07000178",
    "postcode_district": "OX4",
    "ward_code": "",
    "service": "adult",
    "discharge_date": None,
    "discharge_reason": None,
    "accommodation_status": "settled",
    "in_care": "N",
    "injecting_status": "never",
}
CODE_COLUMNS = ["sex", "ethnicity", "service", "discharge_reason", "accommodation_status",
                "in_care", "injecting_status"]


def episodes(rows: list[dict]) -> pd.DataFrame:
    """Episodes from dicts with at least client_id, episode_id and triage_date."""
    frame = pd.DataFrame([{**EPISODE_DEFAULTS, **row} for row in rows])
    for column in ("triage_date", "discharge_date"):
        frame[column] = pd.to_datetime(frame[column])
    for column in CODE_COLUMNS:
        frame[f"{column}_group"] = map_codes(frame[column], column)
    return frame


def substances(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    """Substances from (episode_id, rank, substance code) tuples."""
    frame = pd.DataFrame(rows, columns=["episode_id", "rank", "substance"])
    frame["substance_group"] = map_codes(frame["substance"], "substance")
    return frame
