"""An extract as a partnership exports it: the demo tables written as one CSV file per table, under the
names and column headers a case-management system uses (matched by the product's names and synonyms,
no hand mapping), with UK dates; for the one-pass upload tests (AppTest and the browser)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from analysis.dataset import DEMO_DIR, TABLE_FILES

#: File name of each table: some name their table, some do not (their columns say which table they are).
FILE_NAMES = {
    "episodes": "YP_Episodes.csv", "referrals": "Referrals_received.csv", "substances": "export_03.csv",
    "interventions": "Interventions.csv", "districts": "LA_lookup.csv", "population": "ONS_MYE.csv",
    "prevalence": "export_07.csv", "comparators": "Fingertips_benchmarks.csv",
}
#: Local column headers, each one the product knows (a name ignoring case/spaces, or a synonym).
HEADERS = {
    "episodes": {"client_id": "Client ID", "episode_id": "Episode ID", "sex": "Gender", "age_at_triage": "Age",
                 "ethnicity": "Ethnic group", "district_code": "LA code", "postcode_district": "Outcode",
                 "ward_code": "Ward Code", "service": "Service", "triage_date": "Triage date",
                 "discharge_date": "Discharge date", "discharge_reason": "Exit reason",
                 "accommodation_status": "Accommodation", "in_care": "Looked after", "injecting_status": "Injecting"},
    "referrals": {"referral_id": "Referral ID", "client_id": "Client ID", "referral_date": "Referral Date",
                  "referral_source": "Source of referral", "episode_id": "Episode ID"},
    "substances": {"episode_id": "Episode ID", "rank": "Rank", "substance": "Drug"},
    "interventions": {"episode_id": "Episode ID", "intervention": "Intervention", "start_date": "Start Date",
                      "end_date": "End Date"},
    "districts": {"district_code": "LAD22CD", "district_name": "LAD22NM"},
    "population": {"district_code": "LA code", "year": "Year", "sex": "Sex", "age": "Age", "population": "Population"},
    "prevalence": {"substance_group": "Substance group", "year": "Year", "age_band": "Age band",
                   "estimate": "Estimate", "lower": "Lower", "upper": "Upper"},
    "comparators": {"area_code": "Area Code", "area_name": "Area Name", "area_type": "Area Type",
                    "indicator": "Indicator", "indicator_name": "Indicator Name", "period": "Time period",
                    "value": "Value", "lower": "Lower CI 95.0 limit", "upper": "Upper CI 95.0 limit", "count": "Count",
                    "denominator": "Denominator", "source": "Source", "published": "Published"},
}


def extract_files() -> dict[str, bytes]:
    """``{file name: CSV bytes}`` for every demo table, in the local form above (UK dates dd/mm/yyyy)."""
    files = {}
    for table in TABLE_FILES:
        frame = pd.read_parquet(DEMO_DIR / f"{table}.parquet")
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.strftime("%d/%m/%Y")
        files[FILE_NAMES[table]] = frame.rename(columns=HEADERS[table]).to_csv(index=False).encode()
    return files


def write_extract(folder: Path) -> list[Path]:
    """The extract's files written into ``folder``; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in extract_files().items():
        (folder / name).write_bytes(content)
        paths.append(folder / name)
    return paths


def extract_zip() -> bytes:
    """The extract as one .zip (in a folder, as a zip made by Windows or macOS holds it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in extract_files().items():
            archive.writestr(f"extract/{name}", content)
    return buffer.getvalue()
