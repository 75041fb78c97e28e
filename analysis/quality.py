"""Data quality: completeness of each field by year and service, and checks that list the records to correct."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from analysis import cohorts, profiles
from analysis.cohorts import isin_values
from analysis.codes import ADULTS, NOT_RECORDED, UNMAPPED, YOUNG_PEOPLE
from analysis.contract import TABLES
from analysis.dataset import Dataset
from analysis.filters import ALL, Filters
from analysis.periods import FinancialYear
from analysis.yoy import COUNT, PROPORTION, measure

#: Completeness below this percentage is stated as a finding.
LOW_COMPLETENESS_PERCENT = 90.0
#: Groups that mean the value is not known: a field holding one of them is not complete.
MISSING_GROUPS = frozenset({NOT_RECORDED, UNMAPPED, "Not stated"})
#: A postcode district (outward code), e.g. OX4, OX14, SW1A, B1.
OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
#: Ages each service is expected to see. Young people's services take people up to 24 at most
#: (transition to adult services); an adult over 90 at triage is more often a recording error
#: (e.g. a default date of birth) than a real client. Outside these, an age is flagged, not rejected.
SERVICE_AGES: dict[str, tuple[int, int]] = {YOUNG_PEOPLE: (10, 24), ADULTS: (18, 90)}

RECORD_COLUMNS = ["problem", "table", "record", "detail"]


@dataclass(frozen=True)
class Field:
    """A field whose completeness is measured: its column, label, the records it is counted over
    (``noun``) and the services it applies to (None: every service)."""

    column: str
    label: str
    noun: str = "episodes in treatment"
    services: tuple[str, ...] | None = None


FIELDS: tuple[Field, ...] = (
    Field("postcode_district", "Postcode district"),
    Field("district_code", "District of residence"),
    Field("ethnicity", "Ethnicity"),
    Field("accommodation_status", "Accommodation status"),
    Field("injecting_status", "Injecting status"),
    Field("in_care", "Looked-after status", services=(YOUNG_PEOPLE,)),
    Field("substance", "Primary substance"),
    Field("discharge_reason", "Discharge reason", noun="discharges"),
    Field("referral_source", "Referral source", noun="referrals"),
)
FIELD_BY_LABEL = {f.label: f for f in FIELDS}


# ---------------------------------------------------------------- cohorts
#: How many (year, service) sets of episodes ``episodes_in_year`` keeps: the page's checks ask for the
#: year's and the comparison year's dozens of times; few, as each is a copy of many episodes.
KEPT_YEARS = 4


def episodes_in_year(data: Dataset, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Episodes in treatment at some point in the year (``cohorts.active_episodes``) of the service
    (the last ``KEPT_YEARS`` kept with the data set's remembered results: ``Dataset.remember_recent``)."""
    def found() -> pd.DataFrame:
        active = cohorts.active_episodes(data.episodes, fy)
        return active if service == ALL else active[active["service_group"] == service]

    return data.remember_recent(("quality", "episodes in year"), (fy.start_year, service), found, KEPT_YEARS)


def discharges_in_year(data: Dataset, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Episodes discharged in the year, of the service."""
    ep = data.episodes
    out = ep[(ep["discharge_date"] >= fy.start) & (ep["discharge_date"] <= fy.end)]
    return out if service == ALL else out[out["service_group"] == service]


def _valid(data: Dataset, frame: pd.DataFrame, column: str) -> pd.Series:
    """Whether each record holds a usable value of ``column`` (see :func:`completeness`)."""
    if column == "postcode_district":
        return frame[column].astype("string").str.strip().str.upper().str.match(OUTWARD_CODE).fillna(False).astype(bool)
    if column == "district_code":
        return isin_values(frame[column], data.districts["district_code"]).astype(bool)
    if column == "substance":
        primary = data.substances[data.substances["rank"] == 1]
        known = primary.loc[~primary["substance_group"].astype(object).isin(MISSING_GROUPS), "episode_id"]
        return isin_values(frame["episode_id"], known).astype(bool)
    return ~frame[f"{column}_group"].astype(object).isin(MISSING_GROUPS)


def completeness(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Completeness of each field in the year for a service: a proportion measure with one row per
    field (``field`` label, ``count`` = records holding a usable value, ``denominator`` = records).

    Definition (GLOSSARY "Completeness"): the share of records with a valid value. Records are the
    episodes in treatment during the year (discharges in the year for the discharge reason, referrals
    received in the year for the referral source; a service's referrals are those linked to its
    episodes). Valid: a code mapped to a reporting group other than "Not recorded", "Not stated" or
    "Unmapped code"; a postcode district shaped like an outward code (e.g. OX4); a district code of
    the partnership; a primary (rank 1) substance recorded. Looked-after status is for young people only.
    """
    rows = []
    for item in FIELDS:
        if item.services is not None and service != ALL and service not in item.services:
            continue
        if item.column == "discharge_reason":
            records = discharges_in_year(data, fy, service)
        elif item.column == "referral_source":
            records = profiles.referrals_in_year(data, fy, Filters(service=service))
        else:
            records = episodes_in_year(data, fy, service)
            if item.services is not None:
                records = records[records["service_group"].isin(item.services)]
        rows.append({"field": item.label, "count": int(_valid(data, records, item.column).sum()),
                     "denominator": len(records)})
    return measure(pd.DataFrame(rows, columns=["field", "count", "denominator"]), PROPORTION, label="Completeness")


# ---------------------------------------------------------------- checks
def _records(problem: object, table: str, record: object, detail: object) -> pd.DataFrame:
    frame = pd.DataFrame({"problem": problem, "table": table, "record": record, "detail": detail})
    return frame.astype("string")


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in RECORD_COLUMNS})
    return pd.concat(frames, ignore_index=True)[RECORD_COLUMNS]


def invalid_codes(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Records of the year holding a code no list or mapping knows ("Unmapped code"), a postcode
    district that is not an outward code, or a district code that is not one of the partnership's
    districts. One row per record and problem: problem, table, record id, the code."""
    episodes = episodes_in_year(data, fy, service)
    frames = []
    for column in ("sex", "ethnicity", "accommodation_status", "in_care", "injecting_status", "discharge_reason"):
        bad = episodes[episodes[f"{column}_group"] == UNMAPPED]
        frames.append(_records(f"{column}: unmapped code", "episodes", bad["episode_id"], bad[column]))
    postcode = episodes["postcode_district"].astype("string").str.strip()
    bad = episodes[postcode.notna() & ~_valid(data, episodes, "postcode_district")]
    frames.append(_records("postcode_district: not a postcode district", "episodes", bad["episode_id"],
                           bad["postcode_district"]))
    district = episodes["district_code"].astype("string").str.strip()
    bad = episodes[district.notna() & (district != "") & ~_valid(data, episodes, "district_code")]
    frames.append(_records("district_code: not a district of the partnership", "episodes", bad["episode_id"],
                           bad["district_code"]))
    referrals = profiles.referrals_in_year(data, fy, Filters(service=service))
    bad = referrals[referrals["referral_source_group"] == UNMAPPED]
    frames.append(_records("referral_source: unmapped code", "referrals", bad["referral_id"], bad["referral_source"]))
    substances = data.substances[isin_values(data.substances["episode_id"], episodes["episode_id"])]
    bad = substances[substances["substance_group"] == UNMAPPED]
    frames.append(_records("substance: unmapped code", "substances", bad["episode_id"], bad["substance"]))
    if data.interventions is not None and len(data.interventions):
        iv = data.interventions[isin_values(data.interventions["episode_id"], episodes["episode_id"])]
        bad = iv[iv["intervention_group"] == UNMAPPED]
        frames.append(_records("intervention: unmapped code", "interventions", bad["episode_id"], bad["intervention"]))
    return _concat(frames)


def _rejected_with(rejected: Mapping[str, pd.DataFrame], words: str) -> pd.DataFrame:
    """Rejected rows of the load reports whose reason contains ``words``, as check records."""
    frames = []
    for table, report in rejected.items():
        if report is None or report.empty:
            continue
        hit = report[report["reason"].astype("string").str.contains(words, regex=False).fillna(False).astype(bool)]
        source = hit["source"] if "source" in hit else pd.Series("the file", index=hit.index)
        record = "row " + hit["row_number"].astype("string") + " of " + source.astype("string")
        frames.append(_records(f"rejected at load: {words}", table, record,
                               hit["value"].astype("string") + " (" + hit["reason"].astype("string") + ")"))
    return _concat(frames)


def duplicate_ids(rejected: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows rejected at load because their identifier repeats an earlier row (e.g. a duplicate
    episode_id), from the load reports kept with the saved data."""
    out = _rejected_with(rejected, "duplicate")
    if len(out):
        out["problem"] = "duplicate " + out["table"].map(lambda t: " and ".join(TABLES[t].key) or "row")
    return out


def discharge_before_triage(data: Dataset, rejected: Mapping[str, pd.DataFrame], service: str = ALL) -> pd.DataFrame:
    """Episodes whose discharge date is before their triage date: in the data (the loader rejects
    them, so normally none) and rows rejected for it at load."""
    ep = data.episodes if service == ALL else data.episodes[data.episodes["service_group"] == service]
    bad = ep[ep["discharge_date"] < ep["triage_date"]]
    detail = ("triage " + bad["triage_date"].dt.strftime("%d/%m/%Y") + ", discharge "
              + bad["discharge_date"].dt.strftime("%d/%m/%Y"))
    return _concat([_records("discharge before triage", "episodes", bad["episode_id"], detail),
                    _rejected_with(rejected, "discharge date before triage date")])


def future_dates(data: Dataset, today: pd.Timestamp, service: str = ALL) -> pd.DataFrame:
    """Dates after ``today`` (the day the check is run): triage, discharge, referral and intervention dates."""
    today = pd.Timestamp(today).normalize()
    ep = data.episodes if service == ALL else data.episodes[data.episodes["service_group"] == service]
    frames = []
    for column in ("triage_date", "discharge_date"):
        bad = ep[ep[column] > today]
        frames.append(_records(f"{column.replace('_', ' ')} in the future", "episodes", bad["episode_id"],
                               bad[column].dt.strftime("%d/%m/%Y")))
    ref = data.referrals[data.referrals["referral_date"] > today]
    frames.append(_records("referral date in the future", "referrals", ref["referral_id"],
                           ref["referral_date"].dt.strftime("%d/%m/%Y")))
    if data.interventions is not None:
        for column in ("start_date", "end_date"):
            bad = data.interventions[data.interventions[column] > today]
            frames.append(_records(f"intervention {column.replace('_', ' ')} in the future", "interventions",
                                   bad["episode_id"], bad[column].dt.strftime("%d/%m/%Y")))
    return _concat(frames)


def ages_outside_range(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Episodes in treatment in the year whose age at triage is outside the ages their service
    is expected to see (``SERVICE_AGES``)."""
    episodes = episodes_in_year(data, fy, service)
    frames = []
    for name, (low, high) in SERVICE_AGES.items():
        mine = episodes[episodes["service_group"] == name]
        age = mine["age_at_triage"]
        for problem, bad in ((f"{name}: aged under {low}", mine[age < low]), (f"{name}: aged over {high}", mine[age > high])):
            frames.append(_records(problem, "episodes", bad["episode_id"], "age " + bad["age_at_triage"].astype("string")))
    return _concat(frames)


def episodes_without_substance(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Episodes in treatment in the year with no substance recorded at all, or none at rank 1 (primary)."""
    episodes = episodes_in_year(data, fy, service)
    any_substance = data.substances["episode_id"]
    primary = data.substances.loc[data.substances["rank"] == 1, "episode_id"]
    none = episodes[~isin_values(episodes["episode_id"], any_substance)]
    no_primary = episodes[isin_values(episodes["episode_id"], any_substance) & ~isin_values(episodes["episode_id"], primary)]
    return _concat([
        _records("no substance recorded", "episodes", none["episode_id"], "client " + none["client_id"].astype("string")),
        _records("no primary substance (rank 1)", "episodes", no_primary["episode_id"],
                 "client " + no_primary["client_id"].astype("string")),
    ])


def unmatched_referrals(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Referrals received in the year whose client is in no episode, or whose episode id is not in
    the episodes table. All referrals are checked (an unmatched referral has no service)."""
    ref = data.referrals
    ref = ref[(ref["referral_date"] >= fy.start) & (ref["referral_date"] <= fy.end)]
    no_client = ref[~isin_values(ref["client_id"], data.episodes["client_id"])]
    no_episode = ref[ref["episode_id"].notna() & ~isin_values(ref["episode_id"], data.episodes["episode_id"])]
    return _concat([
        _records("client not in the episodes table", "referrals", no_client["referral_id"],
                 "client " + no_client["client_id"].astype("string")),
        _records("episode not in the episodes table", "referrals", no_episode["referral_id"],
                 "episode " + no_episode["episode_id"].astype("string")),
    ])


def inconsistent_records(data: Dataset, service: str = ALL) -> pd.DataFrame:
    """Records that contradict each other across the whole data (every year):

    - a client recorded with more than one sex: the client's episodes (of the service) hold two or
      more different known sex groups (not recorded and unmapped codes are not counted); one record
      per client, the detail listing each sex with its episodes;
    - a district code of the population table that is not in the districts table (its people are
      never counted in any district's rate); one record per code.

    District codes of episodes outside the districts table are listed by the yearly codes check
    ("district_code: not a district of the partnership")."""
    episodes = data.episodes if service == ALL else data.episodes[data.episodes["service_group"] == service]
    known = episodes[~episodes["sex_group"].astype(object).isin(MISSING_GROUPS) & episodes["sex_group"].notna()]
    known = known.assign(sex=known["sex_group"].astype("string"), client=known["client_id"].astype("string"))
    sexes = known.groupby("client", sort=True)["sex"].nunique()
    clash = known[known["client"].isin(sexes[sexes > 1].index)].sort_values(["client", "sex", "episode_id"])
    details = {
        client: "; ".join(f"{sex} ({', '.join(group['episode_id'].astype(str))})"
                          for sex, group in rows.groupby("sex", sort=True))
        for client, rows in clash.groupby("client", sort=True)
    }
    frames = [_records("client recorded with more than one sex", "episodes", list(details), list(details.values()))]
    population = data.population
    if population is not None and len(population):
        codes = population["district_code"].astype("string").str.strip()
        unknown = sorted(set(codes[codes.notna() & ~isin_values(codes, data.districts["district_code"])]))
        frames.append(_records("district code not in the districts table", "population", unknown,
                               [f"{int((codes == c).sum()):,} population rows" for c in unknown]))
    return _concat(frames)


@dataclass(frozen=True)
class Check:
    """One data-quality check: what it finds, the records it counts, and its problems in display order.

    ``per_year`` checks run on the selected year and the comparison year; the others on all the
    data (dates in the future) or on the load reports (rows rejected at load)."""

    id: str
    title: str
    noun: str
    per_year: bool
    problems: tuple[str, ...]
    summary_keys: tuple[str, ...] = ("problem",)


CHECKS: tuple[Check, ...] = (
    Check("codes", "Invalid and unmapped codes", "records", True, (), ("problem", "detail")),
    Check("duplicates", "Duplicate identifiers (rejected at load)", "rows", False, ()),
    Check("discharge_order", "Discharge before triage", "episodes", False, ("discharge before triage",)),
    Check("future", "Dates in the future", "dates", False,
          ("triage date in the future", "discharge date in the future", "referral date in the future")),
    Check("ages", "Ages outside the service's range", "episodes", True,
          tuple(p for name, (lo, hi) in SERVICE_AGES.items() for p in (f"{name}: aged under {lo}", f"{name}: aged over {hi}"))),
    Check("no_substance", "Episodes with no substance", "episodes", True,
          ("no substance recorded", "no primary substance (rank 1)")),
    Check("unmatched_referrals", "Referrals that match no client", "referrals", True,
          ("client not in the episodes table", "episode not in the episodes table")),
    Check("inconsistent", "Records that contradict each other", "records", False,
          ("client recorded with more than one sex", "district code not in the districts table")),
)
CHECK_BY_ID = {c.id: c for c in CHECKS}


def check_records(
    check_id: str, data: Dataset, *, fy: FinancialYear, service: str = ALL,
    rejected: Mapping[str, pd.DataFrame] | None = None, today: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The records a check finds (columns ``problem``, ``table``, ``record``, ``detail``)."""
    rejected = rejected or {}
    today = pd.Timestamp.today().normalize() if today is None else pd.Timestamp(today)
    functions: dict[str, Callable[[], pd.DataFrame]] = {
        "codes": lambda: invalid_codes(data, fy=fy, service=service),
        "duplicates": lambda: duplicate_ids(rejected),
        "discharge_order": lambda: discharge_before_triage(data, rejected, service),
        "future": lambda: future_dates(data, today, service),
        "ages": lambda: ages_outside_range(data, fy=fy, service=service),
        "no_substance": lambda: episodes_without_substance(data, fy=fy, service=service),
        "unmatched_referrals": lambda: unmatched_referrals(data, fy=fy, service=service),
        "inconsistent": lambda: inconsistent_records(data, service),
    }
    return functions[check_id]()


def check_counts(
    data: Dataset, *, fy: FinancialYear, check_id: str, service: str = ALL,
    rejected: Mapping[str, pd.DataFrame] | None = None, today: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """A count measure of a check's records by its summary keys (every declared problem listed,
    with 0 where none is found), for ``analysis.yoy.compare_years`` and suppression."""
    return counts_of(check_id, check_records(check_id, data, fy=fy, service=service, rejected=rejected, today=today))


def counts_of(check_id: str, records: pd.DataFrame) -> pd.DataFrame:
    """``check_counts`` of records a check has found (``check_records``)."""
    check = CHECK_BY_ID[check_id]
    keys = list(check.summary_keys)
    counts = records.groupby(keys, sort=False).size().rename("count").reset_index()
    declared = pd.DataFrame({"problem": list(check.problems)})
    if len(keys) == 1 and len(declared):
        counts = declared.merge(counts, on="problem", how="outer", sort=False)
    counts["count"] = counts["count"].fillna(0).astype("int64")
    counts = counts.rename(columns={"detail": "code"})
    return measure(counts.astype({k: "string" for k in counts.columns if k != "count"}), COUNT, label=check.title)
