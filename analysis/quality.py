"""Data quality: completeness of each field by year and service, and checks that list the records to correct."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import cohorts, profiles
from analysis.cohorts import isin_values
from analysis.codes import ADULTS, NOT_RECORDED, UNMAPPED, YOUNG_PEOPLE
from analysis.contract import TABLES
from analysis.dataset import Dataset, from_day_numbers
from analysis.filters import ALL
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
#: Where the per-episode flags and the record lists worked out once per data set are kept (``Dataset.derived``).
DERIVED_KEY = "quality"


def _base_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """The episodes as ``cohorts.active_episodes`` reads them (prepared: in person order)."""
    return episodes if episodes.attrs.get("prepared") else cohorts.prepare_episodes(episodes)


def _codes_of(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each value's position among the distinct values (-1: missing; the smallest integer type that
    holds them), and the distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    kind = np.int8 if len(uniques) < 2**7 else np.int16 if len(uniques) < 2**15 else np.int32
    return np.asarray(codes).astype(kind), pd.Index(uniques)


def _is(codes: tuple[np.ndarray, pd.Index], value: object) -> np.ndarray:
    """Where the coded values equal ``value`` (as ``values == value``: a missing value never does)."""
    found = codes[1].get_indexer([value])[0] if len(codes[1]) else -1
    return codes[0] == found if found >= 0 else np.zeros(len(codes[0]), dtype=bool)


#: Year numbers of a missing date: never on or before, nor on or after, any year's boundary.
_NEVER_BEFORE, _NEVER_AFTER = np.int16(2**15 - 1), np.int16(-2**15)


def _years_from(dates: np.ndarray) -> np.ndarray:
    """The latest financial year (start year) starting on or before each date (``_NEVER_AFTER`` when missing):
    ``date >= fy.start`` exactly when ``fy.start_year <= _years_from(date)``. Found by searching the years' first
    days (1 April, midnight) among the dates' range: no conversion of every date to months."""
    missing = np.isnat(dates)
    if missing.all():
        return np.full(len(dates), _NEVER_AFTER, dtype=np.int16)
    first = int(str(dates[~missing].min())[:4]) - 1
    starts = np.array([FinancialYear(year).start.to_datetime64() for year in
                       range(first, int(str(dates[~missing].max())[:4]) + 2)]).astype(dates.dtype)
    years = first + np.searchsorted(starts, dates, side="right") - 1
    return np.where(missing, _NEVER_AFTER, years).astype(np.int16)


def _years_until(dates: np.ndarray) -> np.ndarray:
    """The earliest financial year ending on or after each date (``_NEVER_BEFORE`` when missing):
    ``date <= fy.end`` exactly when ``fy.start_year >= _years_until(date)`` (a date later in the day than
    a year's last day, 31 March at midnight, belongs to no year's end)."""
    missing = np.isnat(dates)
    if missing.all():
        return np.full(len(dates), _NEVER_BEFORE, dtype=np.int16)
    first = int(str(dates[~missing].min())[:4]) - 1
    ends = np.array([FinancialYear(year).end.to_datetime64() for year in
                     range(first, int(str(dates[~missing].max())[:4]) + 1)]).astype(dates.dtype)
    years = first + np.searchsorted(ends, dates, side="left")
    return np.where(missing, _NEVER_BEFORE, years).astype(np.int16)


@dataclass(frozen=True)
class _Episodes:
    """Per-episode columns the page reads for every year, worked out once per data set: for the prepared
    episodes, year numbers of their dates (``_years_from``, ``_years_until``: comparing small integers is
    much cheaper than dates), service codes, the validity of each field in bits (``valid_bits``; the last
    bit of ``VALIDITY_BITS`` marks young people, whose records looked-after status is counted over) with the
    discharge reason's apart, and where each episode id's substances and interventions belong."""

    triage_until: np.ndarray
    end_from: np.ndarray
    discharge_from: np.ndarray
    discharge_until: np.ndarray
    service: tuple[np.ndarray, pd.Index]
    valid_bits: np.ndarray
    discharge_valid: np.ndarray


#: The fields counted over episodes in treatment, one bit each of ``_Episodes.valid_bits``, then one bit
#: for the episodes of the services a field is restricted to (``Field.services``).
VALIDITY_BITS = tuple(f.column for f in FIELDS if f.column not in ("discharge_reason", "referral_source"))
_RESTRICTED = tuple(dict.fromkeys(f.services for f in FIELDS if f.services is not None))
assert len(VALIDITY_BITS) + len(_RESTRICTED) <= 16, "more fields than bits"


def _episodes(data: Dataset) -> _Episodes:
    """``_Episodes`` of the data set (``Dataset.derived``)."""
    found = data.derived.get((DERIVED_KEY, "episodes"))
    if found is None:
        base = _base_episodes(data.episodes)
        service = _codes_of(base["service_group"])
        width = np.uint8 if len(VALIDITY_BITS) + len(_RESTRICTED) <= 8 else np.uint16
        bits = np.zeros(len(base), dtype=width)
        for bit, column in enumerate(VALIDITY_BITS):
            bits |= _valid(data, base, column).to_numpy(dtype=bool).astype(width) << bit
        for bit, services in enumerate(_RESTRICTED, start=len(VALIDITY_BITS)):
            bits |= np.any([_is(service, s) for s in services], axis=0).astype(width) << bit
        discharge = base["discharge_date"].to_numpy()
        found = _Episodes(_years_until(base["triage_date"].to_numpy()), _years_from(base["episode_end"].to_numpy()),
                          _years_from(discharge), _years_until(discharge), service, bits,
                          _valid(data, base, "discharge_reason").to_numpy(dtype=bool))
        data.derived[(DERIVED_KEY, "episodes")] = found
    return found


def _in_year(dates: np.ndarray, fy: FinancialYear) -> np.ndarray:
    """Dates from 1 April to 31 March of ``fy`` (a missing date never is)."""
    return (dates >= fy.start.to_datetime64()) & (dates <= fy.end.to_datetime64())


def _active(episodes: _Episodes, fy: FinancialYear, service: str) -> np.ndarray:
    """Which prepared episodes ``episodes_in_year`` keeps: in treatment at some point in the year
    (triage on or before 31 March, episode end on or after 1 April), of the service."""
    year = np.int16(fy.start_year)
    mask = (episodes.triage_until <= year) & (episodes.end_from >= year)
    return mask if service == ALL else mask & _is(episodes.service, service)


def episodes_in_year(data: Dataset, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Episodes in treatment at some point in the year (``cohorts.active_episodes``) of the service."""
    base = _base_episodes(data.episodes)
    return base[_active(_episodes(data), fy, service)]


@dataclass(frozen=True)
class _Referrals:
    """A year's referrals as the page counts them (``profiles.referrals_in_year``, linked to a service):
    each one's service and whether its source is valid, and the records of unmapped sources."""

    service: tuple[np.ndarray, pd.Index]
    valid: np.ndarray
    unmapped: pd.DataFrame
    unmapped_service: tuple[np.ndarray, pd.Index]


def _referrals(data: Dataset, fy: FinancialYear) -> _Referrals:
    """``_Referrals`` of a year, worked out once per data set and year (``Dataset.derived``)."""
    kept = data.derived.setdefault((DERIVED_KEY, "referrals"), {})
    found = kept.get(fy.start_year)
    if found is None:
        columns = ["referral_source", "referral_source_group", "service_group"]  # what is read here
        linked = profiles.referrals_in_year(data, fy, columns=columns)
        unmapped = (linked["referral_source_group"] == UNMAPPED).to_numpy(dtype=bool, na_value=False)
        if unmapped.any():  # the ids only then (a saved version's are read again from its file: 3 million at national)
            linked = profiles.referrals_in_year(data, fy, columns=["referral_id", *columns])
        else:
            linked = linked.assign(referral_id=pd.Series(pd.NA, index=linked.index, dtype="string"))
        bad = linked[unmapped]
        found = _Referrals(_codes_of(linked["service_group"]),
                           _valid(data, linked, "referral_source").to_numpy(dtype=bool),
                           _records("referral_source: unmapped code", "referrals", bad["referral_id"],
                                    bad["referral_source"]), _codes_of(bad["service_group"]))
        kept[fy.start_year] = found
    return found


def _valid(data: Dataset, frame: pd.DataFrame, column: str) -> pd.Series:
    """Whether each record holds a usable value of ``column`` (see :func:`completeness`). A category column
    is tested on its categories, each once (issue 12: over 3 million episodes, not each episode's text)."""
    if column == "postcode_district":
        return _on_categories(frame[column], lambda values: values.astype("string").str.strip().str.upper()
                              .str.match(OUTWARD_CODE).fillna(False).astype(bool))
    if column == "district_code":
        return isin_values(frame[column], data.districts["district_code"]).astype(bool)
    if column == "substance":
        primary = (data.substances["rank"] == 1).to_numpy(dtype=bool, na_value=False)
        primary = primary & ~_on_categories(data.substances["substance_group"],
                                   lambda values: values.astype(object).isin(MISSING_GROUPS)).to_numpy()
        if frame is data.episodes and (has := _episodes_with(data, "substances", primary)) is not None:
            return pd.Series(has, index=frame.index)
        return isin_values(frame["episode_id"], data.substances.loc[primary, "episode_id"]).astype(bool)
    return ~_on_categories(frame[f"{column}_group"], lambda values: values.astype(object).isin(MISSING_GROUPS))


def _on_categories(values: pd.Series, test: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``test(values)`` (a bool Series); of a category Series, ``test`` of each category and of a missing
    value, once each, taken by the codes (the same answers: each value's answer depends on it alone)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return test(values)
    categories = pd.Series(values.cat.categories)
    each = test(pd.concat([categories, pd.Series([None], dtype=categories.dtype)], ignore_index=True))
    return pd.Series(each.to_numpy(dtype=bool)[values.array.codes], index=values.index)  # code -1: the missing value


def _unique_episode_ids(data: Dataset) -> bool:
    """Whether the episodes are prepared and no episode id repeats (once per data set; a saved version's
    are known not to: its key)."""
    if "unique_episode_ids" not in data.derived:
        data.derived["unique_episode_ids"] = cohorts.unique_values(data.episodes["episode_id"])
    return bool(data.episodes.attrs.get("prepared") and data.derived["unique_episode_ids"])


def _episode_rows(data: Dataset, table: str) -> np.ndarray | None:
    """The row in ``data.episodes`` of each row of child table ``table``'s episode (-1: none), as the substances
    and interventions measures find them once per data set (or a saved version's links give them), matched
    as text as ``isin_values`` does; None when the episodes are not prepared or their ids repeat (a row's id
    then belongs to more than one episode: matched as text, as before)."""
    if getattr(data, table) is None or not _unique_episode_ids(data):
        return None
    key = {"substances": "substance_episode_rows", "interventions": "intervention_episode_rows"}[table]
    if key not in data.derived:  # the same rows ``profiles`` finds and keeps under this name
        data.derived[key] = cohorts.positions_in(getattr(data, table)["episode_id"], data.episodes["episode_id"])
    return data.derived[key]


def _episodes_with(data: Dataset, table: str, rows: np.ndarray) -> np.ndarray | None:
    """Whether each episode of ``data.episodes`` has one of ``rows`` (a mask over ``table``'s rows) among its
    child rows (``_episode_rows``: on integer rows, not text ids); None when those are not known."""
    found = _episode_rows(data, table)
    if found is None:
        return None
    has = np.zeros(len(data.episodes), dtype=bool)
    has[found[rows & (found >= 0)]] = True
    return has


def completeness(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Completeness of each field in the year for a service: a proportion measure with one row per
    field (``field`` label, ``count`` = records holding a usable value, ``denominator`` = records).

    Definition (GLOSSARY "Completeness"): the share of records with a valid value. Records are the
    episodes in treatment during the year (discharges in the year for the discharge reason, referrals
    received in the year for the referral source; a service's referrals are those linked to its
    episodes). Valid: a code mapped to a reporting group other than "Not recorded", "Not stated" or
    "Unmapped code"; a postcode district shaped like an outward code (e.g. OX4); a district code of
    the partnership; a primary (rank 1) substance recorded. Looked-after status is for young people only.
    Counted as masked sums of each episode's validity, worked out once per data set.
    """
    episodes = _episodes(data)
    active = _active(episodes, fy, service)
    # how many episodes in treatment hold each pattern of valid fields: every field's count in one pass
    patterns = np.bincount(episodes.valid_bits[active], minlength=2 ** (8 * episodes.valid_bits.itemsize))
    has = np.arange(len(patterns))
    rows = []
    for item in FIELDS:
        if item.services is not None and service != ALL and service not in item.services:
            continue
        if item.column == "discharge_reason":
            year = np.int16(fy.start_year)
            records = (episodes.discharge_from >= year) & (episodes.discharge_until <= year)
            records = records if service == ALL else records & _is(episodes.service, service)
            count, denominator = np.count_nonzero(episodes.discharge_valid & records), np.count_nonzero(records)
        elif item.column == "referral_source":
            year = _referrals(data, fy)
            records = np.ones(len(year.valid), dtype=bool) if service == ALL else _is(year.service, service)
            count, denominator = np.count_nonzero(year.valid & records), np.count_nonzero(records)
        else:
            counted = np.ones(len(patterns), dtype=bool)
            if item.services is not None:
                counted = (has >> (len(VALIDITY_BITS) + _RESTRICTED.index(item.services))) & 1 == 1
            valid = (has >> VALIDITY_BITS.index(item.column)) & 1 == 1
            count, denominator = patterns[counted & valid].sum(), patterns[counted].sum()
        rows.append({"field": item.label, "count": int(count), "denominator": int(denominator)})
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
    districts. One row per record and problem: problem, table, record id, the code.

    The records of every episode and child row are found once per data set (``_whole_data_codes``);
    a year's are those of its episodes in treatment (``episodes_in_year``) and referrals."""
    active = _active(_episodes(data), fy, service)
    of_episodes, of_children, id_codes = _whole_data_codes(data)
    if id_codes is not None and len(of_children[0]):  # an episode id given twice: any of its episodes counts
        chosen = np.zeros(int(id_codes.max(initial=-1)) + 1, dtype=bool)
        chosen[id_codes[active & (id_codes >= 0)]] = True
    else:
        chosen = active
    year = _referrals(data, fy)
    referrals = year.unmapped if service == ALL else year.unmapped[_is(year.unmapped_service, service)]
    return _concat([_taken(of_episodes, active), referrals, _taken(of_children, chosen)])


#: Records found over the whole data, and what each belongs to (e.g. its episode's position).
Found = tuple[pd.DataFrame, np.ndarray]


def _taken(found: Found, keep: np.ndarray) -> pd.DataFrame:
    """The records whose row is kept (``keep`` by row; a row of -1 never is): a new frame, numbered from 0."""
    records, rows = found
    return records.take(np.flatnonzero(np.where(rows >= 0, keep[rows], False))).reset_index(drop=True)


def _with_rows(records: pd.DataFrame, rows: object) -> Found:
    """``records`` with what each belongs to."""
    return records, np.asarray(rows, dtype=np.int64)


def _whole_data(data: Dataset, name: str, compute: Callable[[], object]) -> object:
    """``compute()`` once per data set, kept with its derived tables (``Dataset.derived``)."""
    key = (DERIVED_KEY, name)
    if key not in data.derived:
        data.derived[key] = compute()
    return data.derived[key]


def _whole_data_codes(data: Dataset) -> tuple[Found, Found, np.ndarray | None]:
    """``invalid_codes`` over every episode (rows: each record's prepared episode), and over every
    substance and intervention row (rows: its episode's position; or, when an episode id is given
    twice, the code of its id, with every episode's id code as the third item), in the order
    ``invalid_codes`` lists them."""
    def found() -> tuple[Found, Found, np.ndarray | None]:
        episodes = _base_episodes(data.episodes)
        position = np.arange(len(episodes))
        frames, rows = [], []
        def add(problem: str, bad: np.ndarray, detail: str) -> None:
            frames.append(_records(problem, "episodes", episodes["episode_id"][bad], episodes[detail][bad]))
            rows.append(position[bad])
        for column in ("sex", "ethnicity", "accommodation_status", "in_care", "injecting_status", "discharge_reason"):
            add(f"{column}: unmapped code", (episodes[f"{column}_group"] == UNMAPPED).to_numpy(dtype=bool), column)
        # a value is tested as text once per category (``_on_categories``); stripping never makes a value missing
        postcode = episodes["postcode_district"].notna().to_numpy()
        add("postcode_district: not a postcode district",
            postcode & ~_valid(data, episodes, "postcode_district").to_numpy(dtype=bool), "postcode_district")
        district = _on_categories(episodes["district_code"], lambda values: (values.astype("string").str.strip() != "")
                                  .fillna(False).astype(bool)).to_numpy(dtype=bool)
        add("district_code: not a district of the partnership",
            district & ~_valid(data, episodes, "district_code").to_numpy(dtype=bool), "district_code")
        of_episodes = _with_rows(_concat(frames), np.concatenate(rows))
        unique = episodes is data.episodes and _episode_rows(data, "substances") is not None  # ids known not to repeat
        id_codes, keys = None, pd.Index([])
        if not unique:
            ids = pd.Index(episodes["episode_id"].astype("string"))
            keys = ids
            if not ids.is_unique:  # an episode id given twice: children matched to the id's code
                codes, uniques = pd.factorize(ids, use_na_sentinel=True)
                id_codes, keys = np.asarray(codes), pd.Index(uniques)
        children, child_rows = [], []
        for table, column, problem in (("substances", "substance", "substance: unmapped code"),
                                       ("interventions", "intervention", "intervention: unmapped code")):
            frame = getattr(data, table)
            if frame is None or (table == "interventions" and not len(frame)):
                continue
            unmapped = (frame[f"{column}_group"] == UNMAPPED).to_numpy(dtype=bool, na_value=False)
            bad = frame[unmapped]
            children.append(_records(problem, table, bad["episode_id"], bad[column]))
            if unique:  # each row's episode, found once on the ids (``_episode_rows``)
                child_rows.append(_episode_rows(data, table)[unmapped])
                continue
            child_ids = bad["episode_id"].astype("string")
            # matched as text, as isin_values does; a missing id matches nothing
            child_rows.append(np.where(child_ids.isna().to_numpy(), -1, keys.get_indexer(child_ids)) if len(keys)
                              else np.full(len(bad), -1))
        of_children = _with_rows(_concat(children), np.concatenate(child_rows) if child_rows else [])
        return of_episodes, of_children, id_codes

    return _whole_data(data, "codes", found)


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
    def found() -> Found:
        ep = data.episodes
        before = (ep["discharge_date"] < ep["triage_date"]).to_numpy(dtype=bool)
        bad = ep[before]
        detail = ("triage " + bad["triage_date"].dt.strftime("%d/%m/%Y") + ", discharge "
                  + bad["discharge_date"].dt.strftime("%d/%m/%Y"))
        return _with_rows(_records("discharge before triage", "episodes", bad["episode_id"], detail),
                          np.flatnonzero(before))

    in_data = _whole_data(data, "discharge order", found)
    keep = np.ones(len(data.episodes), dtype=bool) if service == ALL else _is(_service_codes(data), service)
    return _concat([_taken(in_data, keep), _rejected_with(rejected, "discharge date before triage date")])


def _service_codes(data: Dataset) -> tuple[np.ndarray, pd.Index]:
    """``_codes_of`` the service of each episode of ``data.episodes`` (as they are), once per data set."""
    return _whole_data(data, "service codes", lambda: _codes_of(data.episodes["service_group"]))


#: The dates ``future_dates`` checks: (problem, table, column, the record's id column), in the order it lists them.
FUTURE_DATES = (
    ("triage date in the future", "episodes", "triage_date", "episode_id"),
    ("discharge date in the future", "episodes", "discharge_date", "episode_id"),
    ("referral date in the future", "referrals", "referral_date", "referral_id"),
    ("intervention start date in the future", "interventions", "start_date", "episode_id"),
    ("intervention end date in the future", "interventions", "end_date", "episode_id"),
)


def future_dates(data: Dataset, today: pd.Timestamp, service: str = ALL) -> pd.DataFrame:
    """Dates after ``today`` (the day the check is run): triage, discharge, referral and intervention dates
    (episodes of the service; every referral and intervention). Each column's latest date is found once per
    data set, so a column with none after ``today`` (the usual case) is not read again."""
    after = pd.Timestamp(today).normalize().to_datetime64()
    latest = _whole_data(data, "latest dates", lambda: {
        (table, column): _dates(data, table, column).max() for _, table, column, _ in FUTURE_DATES
        if getattr(data, table) is not None})
    frames = []
    for problem, table, column, record in FUTURE_DATES:
        last = latest.get((table, column))
        if last is None or pd.isna(last) or not last.to_datetime64() > after:
            continue  # nothing after today: a list of none adds nothing
        frame = data.table(table)  # every column as loaded (the interventions' dates are held as day numbers)
        bad = frame[column].to_numpy() > after
        if table == "episodes" and service != ALL:
            bad &= _is(_service_codes(data), service)
        rows = frame[bad]
        frames.append(_records(problem, table, rows[record], rows[column].dt.strftime("%d/%m/%Y")))
    return _concat(frames)


def _dates(data: Dataset, table: str, column: str) -> pd.Series:
    """Dates ``column`` of ``table`` as loaded (``Dataset.table``), made only of that column."""
    days = data.day_numbers(table, column)
    if days is not None:
        return pd.Series(from_day_numbers(days), name=column)
    frame = getattr(data, table)
    return frame[column] if column in frame else data.table(table)[column]


def ages_outside_range(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Episodes in treatment in the year whose age at triage is outside the ages their service
    is expected to see (``SERVICE_AGES``). Found once per data set over every episode, then those of
    the year's episodes in treatment (``episodes_in_year``) kept."""
    def found() -> Found:
        episodes = _base_episodes(data.episodes)
        frames, rows = [], []
        for name, (low, high) in SERVICE_AGES.items():
            mine = (episodes["service_group"] == name).to_numpy(dtype=bool)
            under = (episodes["age_at_triage"] < low).to_numpy(dtype=bool, na_value=False)
            over = (episodes["age_at_triage"] > high).to_numpy(dtype=bool, na_value=False)
            for problem, bad in ((f"{name}: aged under {low}", mine & under), (f"{name}: aged over {high}", mine & over)):
                frames.append(_records(problem, "episodes", episodes["episode_id"][bad],
                                       "age " + episodes["age_at_triage"][bad].astype("string")))
                rows.append(np.flatnonzero(bad))
        return _with_rows(_concat(frames), np.concatenate(rows))

    return _taken(_whole_data(data, "ages", found), _active(_episodes(data), fy, service))


def episodes_without_substance(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Episodes in treatment in the year with no substance recorded at all, or none at rank 1 (primary).
    Found once per data set over every episode, then those of the year's episodes in treatment kept."""
    def found() -> Found:
        episodes = _base_episodes(data.episodes)
        rank_1 = (data.substances["rank"] == 1).to_numpy(dtype=bool, na_value=False)
        has_any = _episodes_with(data, "substances", np.ones(len(rank_1), dtype=bool))
        has_primary = _episodes_with(data, "substances", rank_1)
        if has_any is None or has_primary is None:  # matched on the text ids
            has_any = isin_values(episodes["episode_id"], data.substances["episode_id"]).to_numpy(dtype=bool)
            has_primary = isin_values(episodes["episode_id"],
                                      data.substances["episode_id"][rank_1]).to_numpy(dtype=bool)
        none, no_primary = ~has_any, has_any & ~has_primary
        return _with_rows(_concat([
            _records("no substance recorded", "episodes", episodes["episode_id"][none],
                     "client " + episodes["client_id"][none].astype("string")),
            _records("no primary substance (rank 1)", "episodes", episodes["episode_id"][no_primary],
                     "client " + episodes["client_id"][no_primary].astype("string")),
        ]), np.concatenate([np.flatnonzero(none), np.flatnonzero(no_primary)]))

    return _taken(_whole_data(data, "no substance", found), _active(_episodes(data), fy, service))


def unmatched_referrals(data: Dataset, *, fy: FinancialYear, service: str = ALL) -> pd.DataFrame:
    """Referrals received in the year whose client is in no episode, or whose episode id is not in
    the episodes table. All referrals are checked (an unmatched referral has no service). Found once
    per data set over every referral, then those received in the year kept."""
    def found() -> Found:
        ref = data.table("referrals")  # every column as loaded (the client ids may be read again from the store)
        no_client = ~isin_values(ref["client_id"], data.episodes["client_id"]).to_numpy(dtype=bool)
        no_episode = (ref["episode_id"].notna() & ~isin_values(ref["episode_id"], data.episodes["episode_id"])
                      ).to_numpy(dtype=bool)
        return _unmatched(data, np.flatnonzero(no_client), np.flatnonzero(no_episode), ref)

    linked = _unmatched_by_links(data) if data.offers(fy) else None  # the offered years' referrals, once per data set
    records, rows = linked if linked is not None else _whole_data(data, "unmatched referrals", found)
    received = _in_year(data.referrals["referral_date"].to_numpy()[rows], fy)  # the dates of those found only
    return records.take(np.flatnonzero(received)).reset_index(drop=True)


def _unmatched(data: Dataset, no_client: np.ndarray, no_episode: np.ndarray, ref: pd.DataFrame | None = None) -> Found:
    """``unmatched_referrals``' records of the referrals at rows ``no_client`` and ``no_episode`` (in row order),
    their ids read from ``ref`` (``data.table("referrals")``), else only the columns needed (``Dataset.column``)."""
    def column(name: str, rows: np.ndarray) -> pd.Series:
        if not len(rows):
            return pd.Series([], dtype="string")
        return (ref[name] if ref is not None else data.column("referrals", name)).take(rows)
    return _with_rows(_concat([
        _records("client not in the episodes table", "referrals", column("referral_id", no_client),
                 "client " + column("client_id", no_client).astype("string")),
        _records("episode not in the episodes table", "referrals", column("referral_id", no_episode),
                 "episode " + column("episode_id", no_episode).astype("string")),
    ]), np.concatenate([no_client, no_episode]))


def _unmatched_by_links(data: Dataset) -> Found | None:
    """``unmatched_referrals``' records over the referrals of the offered years (``data.years``), found once
    per data set from each referral's episode row and client code (``profiles.referral_links``: a saved
    version's links give them, found when it was saved) instead of matching 3 million text ids twice: a
    client is in no episode when its code is not a person's, an episode id is not in the episodes table
    when it is recorded and its row is -1. None when those do not say (a data set loaded from files: its
    client codes are not matched to the episodes; or episode ids that repeat)."""
    key = (DERIVED_KEY, "unmatched referrals (links)")
    if key not in data.derived:
        data.derived[key] = None
        links = profiles.referral_links(data) if _unique_episode_ids(data) and "episode_id" in data.referrals else None
        if links is not None:
            order, episode_rows, clients = links
            person = data.episodes["person"].to_numpy()
            people = int(person.max()) + 1 if len(person) else 0
            no_client = (clients < 0) | (clients >= people)
            recorded = data.referrals["episode_id"].notna().to_numpy()[order]
            no_episode = recorded & (episode_rows < 0) if episode_rows is not None else np.zeros(len(order), dtype=bool)
            if episode_rows is not None or not recorded.any():
                data.derived[key] = _unmatched(data, np.sort(order[no_client]), np.sort(order[no_episode]))
    return data.derived[key]


def inconsistent_records(data: Dataset, service: str = ALL) -> pd.DataFrame:
    """Records that contradict each other across the whole data (every year):

    - a client recorded with more than one sex: the client's episodes (of the service) hold two or
      more different known sex groups (not recorded and unmapped codes are not counted); one record
      per client, the detail listing each sex with its episodes;
    - a district code of the population table that is not in the districts table (its people are
      never counted in any district's rate); one record per code.

    District codes of episodes outside the districts table are listed by the yearly codes check
    ("district_code: not a district of the partnership"). Worked out once per data set and service
    (nothing else changes them)."""
    kept = data.derived.setdefault((DERIVED_KEY, "inconsistent"), {})
    if service not in kept:
        kept[service] = _inconsistent_records(data, service)
    return kept[service].copy(deep=False)  # copy-on-write: a caller's change never reaches what is kept


def _inconsistent_records(data: Dataset, service: str) -> pd.DataFrame:
    """``inconsistent_records``, worked out."""
    episodes = data.episodes if service == ALL else data.episodes[data.episodes["service_group"] == service]
    known = episodes[~_on_categories(episodes["sex_group"], lambda values: values.astype(object).isin(MISSING_GROUPS)
                                     | values.isna())]
    if "person" in known and isinstance(known["sex_group"].dtype, pd.CategoricalDtype):
        known = known[_with_two_codes(known["person"].to_numpy(), known["sex_group"].array.codes)]  # only those
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


def _with_two_codes(person: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Rows of a person (code >= 0; the prepared episodes' ``person``: equal exactly where the client id is)
    holding two or more different ``codes``: integers compared instead of grouping 3 million text client ids."""
    if not len(person):
        return np.zeros(0, dtype=bool)
    mine = person >= 0
    if (np.diff(person) >= 0).all():  # each person's rows together (the prepared episodes): compared in runs
        starts = np.flatnonzero(np.concatenate([[True], person[1:] != person[:-1]]))
        differ = np.minimum.reduceat(codes, starts) != np.maximum.reduceat(codes, starts)
        return mine & np.repeat(differ, np.diff(np.append(starts, len(person))))
    pairs = np.unique(person[mine].astype(np.int64) * (int(codes.max()) + 1) + codes[mine])
    owners = pairs // (int(codes.max()) + 1)
    return mine & np.isin(person, owners[1:][owners[1:] == owners[:-1]])


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
    """``check_counts`` of records a check has found (``check_records``): one row per problem with its
    number of records, every declared problem listed (in alphabetical order, as an outer join of the
    declared and found problems gives them), or, for a check that declares none, each problem (and code,
    for the codes check) as first found."""
    check = CHECK_BY_ID[check_id]
    keys = list(check.summary_keys)
    if len(keys) == 1:  # by problem: counted on the column's codes (the page counts 12 lists a view)
        codes, found = pd.factorize(records[keys[0]], use_na_sentinel=True)
        sizes = dict(zip(found, np.bincount(codes[codes >= 0], minlength=len(found)).tolist(), strict=True))
        names = sorted({*check.problems, *found}) if check.problems else list(found)
        counts = pd.DataFrame({keys[0]: pd.array(names, dtype="string"),
                               "count": np.array([sizes.get(name, 0) for name in names], dtype="int64")})
        return measure(counts, COUNT, label=check.title)
    counts = records.groupby(keys, sort=False).size().rename("count").reset_index()
    counts["count"] = counts["count"].fillna(0).astype("int64")
    counts = counts.rename(columns={"detail": "code"})
    return measure(counts.astype({k: "string" for k in counts.columns if k != "count"}), COUNT, label=check.title)
