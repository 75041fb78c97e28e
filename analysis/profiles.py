"""Profiles of a cohort: who is in treatment, which substances, who refers, which interventions.

Every function returns a *measure* (see ``analysis.yoy``): key columns with ``count`` and
``denominator``, so the year-on-year comparison, intervals and suppression are applied in
one place. Percentages are of people (or referrals) in the stated cohort.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import cohorts, person_year
from analysis.codes import (ADULTS, DEFAULT_KEY_REFERRAL_GROUPS, GROUP_ORDER, NOT_RECORDED, PLANNED, TRANSFERRED, UNMAPPED,
                            UNPLANNED, YOUNG_PEOPLE)
from analysis.dataset import NO_DAY, Dataset, release_read_buffers
from analysis.filters import ALL, NOT_KNOWN, Filters, select_people
from analysis.periods import AGE_BAND_LABELS, FinancialYear
from analysis.yoy import COUNT, PROPORTION, measure

#: The person attributes a profile can be broken down by, with the order of their categories.
ATTRIBUTES: dict[str, tuple[str, list[str]]] = {
    "sex": ("sex_group", GROUP_ORDER["sex"]),
    "age_band": ("age_band", AGE_BAND_LABELS),
    "ethnicity": ("ethnicity_group", GROUP_ORDER["ethnicity"]),
    "accommodation_status": ("accommodation_status_group", GROUP_ORDER["accommodation_status"]),
    "in_care": ("in_care_group", GROUP_ORDER["in_care"]),
    "injecting_status": ("injecting_status_group", GROUP_ORDER["injecting_status"]),
}


def _counts(values: pd.Series, categories: Sequence[str], name: str) -> pd.DataFrame:
    """Count of each category, in display order, keeping zero rows and any extra category seen (most
    first; on a tie, the one seen first)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # counted on the codes, not on text
        codes = values.array.codes
        names = list(values.dtype.categories)
        per_code = np.bincount(codes[codes >= 0], minlength=len(names))
        wanted = set(categories)
        extras = [code for code in np.flatnonzero(per_code) if names[code] not in wanted]
        first_seen = {code: int(np.argmax(codes == code)) for code in extras}
        extras.sort(key=lambda code: (-per_code[code], first_seen[code]))
        counts = dict(zip(names, per_code.tolist(), strict=True))
        order = list(categories) + [names[code] for code in extras]
        return pd.DataFrame({name: order, "count": [int(counts.get(c, 0)) for c in order]})
    counts = values.astype("object").value_counts()
    order = list(categories) + [c for c in counts.index if c not in categories]
    out = pd.DataFrame({name: order})
    out["count"] = [int(counts.get(c, 0)) for c in order]
    return out


def breakdown(people: pd.DataFrame, column: str, categories: Sequence[str], name: str) -> pd.DataFrame:
    """People by category of ``column``: count and denominator (all people in the frame).
    Categories with no people in either year are dropped by the caller, not here."""
    out = _counts(people[column], categories, name)
    out["denominator"] = len(people)
    return measure(out, PROPORTION, label=f"People in treatment by {name.replace('_', ' ')}")


def _drop_empty_extras(frame: pd.DataFrame, name: str, categories: Sequence[str]) -> pd.DataFrame:
    """``frame`` without the categories outside ``categories`` that have nobody (the frame itself, with a
    fresh row index, when there are none)."""
    listed = set(categories)
    keep = np.array([value in listed for value in frame[name].tolist()], dtype=bool) | (
        frame["count"].to_numpy(dtype="float64", na_value=np.nan) > 0)
    if keep.all() and isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1:
        return frame
    return frame[keep].reset_index(drop=True)


# ------------------------------------------------------------------ headline counts
def people_in_treatment(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Number of people in treatment during the year (GLOSSARY): the rows of the person-year fact table."""
    count = len(person_year.rows(data, fy, filters))
    return measure(pd.DataFrame({"count": [count]}), COUNT, label="People in treatment")


def new_presentations(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Number of people newly presenting in the year (no episode open in the previous 12 months):
    the fact table's ``new_presentation``."""
    count = int(person_year.rows(data, fy, filters)["new_presentation"].sum())
    return measure(pd.DataFrame({"count": [count]}), COUNT, label="New presentations")


def re_presentations(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Number of people triaged in the year after an earlier, discharged episode (``re_presentation``)."""
    count = int(person_year.rows(data, fy, filters)["re_presentation"].sum())
    return measure(pd.DataFrame({"count": [count]}), COUNT, label="Re-presentations")


def in_treatment_on_31_march(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Number of people in treatment on 31 March (snapshot; ``open_31_march``, described by the open episode)."""
    count = int(person_year.rows(data, fy, filters, snapshot=True)["open_31_march"].sum())
    return measure(pd.DataFrame({"count": [count]}), COUNT, label="In treatment on 31 March")


def successful_completion_rate(
    data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """Planned exits / (all exits - transfers), people by their last exit in the year; exits of
    "Other / not known" stay in the denominator (GLOSSARY "Successful completion rate")."""
    rows = person_year.rows(data, fy, filters)
    planned = int(rows["completed"].sum())
    denominator = int(rows["exited"].sum() - (rows["exit_group"] == TRANSFERRED).sum())
    frame = pd.DataFrame({"count": [planned], "denominator": [denominator]})
    return measure(frame, PROPORTION, label="Successful completion rate")


def retention_12_weeks(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People retained 12 weeks or more as a percentage of people starting treatment
    (``retained_12_weeks`` / ``retention_started``)."""
    rows = person_year.rows(data, fy, filters)
    retained, started = int(rows["retained_12_weeks"].sum()), int(rows["retention_started"].sum())
    frame = pd.DataFrame({"count": [retained], "denominator": [started]})
    return measure(frame, PROPORTION, label="12-week retention")


#: GLOSSARY "Effective treatment": an adults' indicator, shown as this for the young people's service.
NOT_APPLICABLE_TO_YOUNG_PEOPLE = "Not applicable to the young people's service"


def _not_applicable(kind: str, label: str) -> pd.DataFrame:
    """A measure that does not apply to the selection: no count and no denominator (so never another
    service's figure), with ``attrs["not_applicable"]`` saying so for the page to show."""
    out = measure(pd.DataFrame({"count": [float("nan")], "denominator": [float("nan")]}), kind, label=label)
    out.attrs["not_applicable"] = NOT_APPLICABLE_TO_YOUNG_PEOPLE
    return out


def effective_parts(data: Dataset, fy: FinancialYear, filters: Filters) -> tuple[int, int] | None:
    """NI 40's parts (adult OCU in effective treatment, adult OCU in treatment) from the fact table's
    Adults rows (``ocu``, ``effective``), as ``cohorts.effective_treatment`` defines them; None for the
    young people's service."""
    if filters.service == YOUNG_PEOPLE:
        return None
    rows = person_year.rows(data, fy, Filters(ADULTS, filters.age_band, filters.sex, filters.district))
    ocu = rows["ocu"].to_numpy()
    return int((ocu & rows["effective"].to_numpy()).sum()), int(ocu.sum())


def effective_treatment(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """NI 40: the number of adult opiate and/or crack users in effective treatment in the year, a
    count of people (``cohorts.effective_treatment``: any adult episode overlapping the year retained
    12 weeks or more, or ended in a planned exit within 12 weeks). Not applicable (no figure, and
    ``attrs["not_applicable"]``) for the young people's service."""
    label = "Effective treatment (NI 40, adult OCU)"
    parts = effective_parts(data, fy, filters)
    if parts is None:
        return _not_applicable(COUNT, label)
    return measure(pd.DataFrame({"count": [parts[0]]}), COUNT, label=label)


def effective_treatment_share(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """The context of NI 40: adult OCU in effective treatment as a percentage of adult OCU in
    treatment in the year (Wilson interval). Not applicable for the young people's service."""
    label = "Share of adult OCU in treatment in effective treatment"
    parts = effective_parts(data, fy, filters)
    if parts is None:
        return _not_applicable(PROPORTION, label)
    return measure(pd.DataFrame({"count": [parts[0]], "denominator": [parts[1]]}), PROPORTION, label=label)


def back_in_treatment(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People discharged in the year who are in treatment again (a later episode open, any service)
    on 31 March, as a percentage of people discharged in the year (``cohorts.back_in_treatment``)."""
    rows = person_year.rows(data, fy, filters)
    back, discharged = int(rows["back_in_treatment"].sum()), int(rows["exited"].sum())
    frame = pd.DataFrame({"count": [back], "denominator": [discharged]})
    return measure(frame, PROPORTION, label="Back in treatment on 31 March")


# ------------------------------------------------------------------ people
def people_by(
    data: Dataset, attribute: str, *, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """People in treatment during the year by one attribute (see ``ATTRIBUTES``), as counts
    and percentages of all people in treatment in the selection."""
    column, categories = ATTRIBUTES[attribute]
    people = person_year.rows(data, fy, filters)
    return breakdown(people, column, categories, attribute)


def people_by_age_and_sex(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People in treatment by age band and sex (for the age-sex pyramid); % of all people."""
    people = person_year.rows(data, fy, filters)
    bands, sexes = AGE_BAND_LABELS, GROUP_ORDER["sex"]
    # every (age band, sex) pair in display order, counted at once on the columns' codes (a groupby
    # over two category columns was a tenth of the People page's time)
    band, sex = _label_positions(people["age_band"], bands), _label_positions(people["sex_group"], sexes)
    known = (band >= 0) & (sex >= 0)
    counts = np.bincount(band[known] * len(sexes) + sex[known], minlength=len(bands) * len(sexes))
    out = pd.DataFrame({"age_band": pd.array(np.repeat(bands, len(sexes)), dtype="str"),
                        "sex": pd.array(np.tile(sexes, len(bands)), dtype="str"),
                        "count": counts.astype("int64"), "denominator": np.full(len(counts), len(people), "int64")})
    return measure(out, PROPORTION, label="People in treatment by age band and sex")


def _label_positions(values: pd.Series, labels: Sequence[str]) -> np.ndarray:
    """The position of each value in ``labels`` (-1: missing, or not one of them), on a category
    column's codes (each category looked up once)."""
    position = {label: i for i, label in enumerate(labels)}
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.array([position.get(c, -1) for c in values.dtype.categories] + [-1], dtype=np.int64)
        return lookup[values.array.codes]  # code -1 (missing) takes the appended -1
    return np.array([position.get(v, -1) if isinstance(v, str) else -1 for v in values.tolist()], dtype=np.int64)


# ------------------------------------------------------------------ substances
ANY_MENTION, PRIMARY = "any mention", "primary"


class EpisodeGroups(NamedTuple):
    """The groups recorded for every prepared episode (row for row with ``data.episodes``), held as
    each episode's combination of groups: ``combination`` (a position in ``combinations``, a bool
    matrix combination x group) instead of an episode x group matrix, as few combinations occur (a
    person has up to three substances): 2 bytes an episode, and a selection is counted by one
    ``np.bincount`` of its combinations (issue 12)."""

    #: The groups (``substance_group`` values, or drug classes), in their categories' order.
    groups: pd.Index
    #: Each episode's combination of groups at any rank: a row of ``combinations``.
    combination: np.ndarray
    #: Combination x group: whether the combination holds the group (row 0: none recorded).
    combinations: np.ndarray
    #: Each episode's primary (rank 1) group as a position in ``groups`` (-1: none recorded).
    primary: np.ndarray

    def mentioned(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The episode x group bool matrix (recorded at any rank) of ``rows`` (default: every episode)."""
        return self.combinations[self.combination if rows is None else self.combination[rows]]

    def people_with(self, rows: np.ndarray, by: np.ndarray | None = None, values: int = 1) -> np.ndarray:
        """People (episode ``rows``) with each group at any rank: a ``values`` x group array of counts,
        the rows counted under their position in ``by`` (0 to ``values`` - 1; -1: not counted;
        default: all under 0)."""
        number = len(self.combinations)
        if by is None:
            counts = np.bincount(self.combination[rows], minlength=number)[None, :]
        else:
            keep = by >= 0
            key = by[keep].astype(np.int64) * number + self.combination[rows][keep]
            counts = np.bincount(key, minlength=values * number).reshape(values, number)
        return counts @ self.combinations.astype(np.int64)

    def primary_people(self, rows: np.ndarray, by: np.ndarray | None = None, values: int = 1) -> np.ndarray:
        """People (episode ``rows``) with each primary group: a ``values`` x group array of counts, as
        ``people_with``."""
        size = len(self.groups)
        chosen = self.primary[rows]
        if by is None:
            return np.bincount(chosen[chosen >= 0], minlength=size)[None, :]
        keep = (by >= 0) & (chosen >= 0)
        return np.bincount(by[keep].astype(np.int64) * size + chosen[keep], minlength=values * size).reshape(values, size)


def episode_substances(data: Dataset) -> EpisodeGroups:
    """The substance groups of every prepared episode (``EpisodeGroups``: recorded at any rank, and
    the primary, rank 1, group). Substances of an episode not in the episodes table are left out.
    Worked out once per data set (``Dataset.derived``): it depends on no year or selection."""
    return _episode_groups(data, "episode_substances", lambda: data.substances["substance_group"])


def episode_drug_classes(data: Dataset) -> EpisodeGroups:
    """``episode_substances`` for the drug class of each substance (``substance_class``)."""
    return _episode_groups(data, "episode_drug_classes", lambda: substance_class(data.substances))


def _episode_groups(data: Dataset, name: str, groups_of_rows: Callable[[], pd.Series]) -> EpisodeGroups:
    """``EpisodeGroups`` of one grouping of the substance rows (``episode_substances``), kept in
    ``Dataset.derived`` under ``name``."""
    cached = data.derived.get(name)
    if cached is not None:
        return cached
    subs = data.substances
    values = groups_of_rows()
    groups = (pd.Index(values.cat.categories) if isinstance(values.dtype, pd.CategoricalDtype)
              else pd.Index(values.dropna().astype(object).unique()))
    episode = _episode_positions(data)
    group = values.array.codes if isinstance(values.dtype, pd.CategoricalDtype) else groups.get_indexer(values)
    known = (episode >= 0) & (group >= 0)
    # each episode's groups as a bool row, packed into bits, then numbered by combination (row 0: none)
    matrix = np.zeros((len(data.episodes), len(groups)), dtype=bool)
    matrix.reshape(-1)[episode[known].astype(np.int64) * len(groups) + group[known]] = True  # flat: faster
    packed = np.packbits(matrix, axis=1, bitorder="little")
    del matrix
    if packed.shape[1] <= 3:  # up to 24 groups: a number per episode, numbered through a table of them all
        bits = np.zeros(len(packed), np.int64)
        for byte in range(packed.shape[1]):
            bits |= packed[:, byte].astype(np.int64) << (8 * byte)
        present = np.zeros(1 << (8 * packed.shape[1]), bool)
        present[0] = True
        present[bits] = True
        found_bits = np.flatnonzero(present)
        combination = (np.cumsum(present) - 1)[bits]
        found = np.stack([(found_bits >> (8 * byte)) & 0xFF for byte in range(packed.shape[1])], axis=1).astype(np.uint8)
    else:
        found, combination = np.unique(np.concatenate([np.zeros((1, packed.shape[1]), np.uint8), packed]), axis=0,
                                       return_inverse=True)
        combination = combination.reshape(-1)[1:]
    del packed
    combinations = np.unpackbits(found, axis=1, count=len(groups), bitorder="little").astype(bool)
    primary = np.full(len(data.episodes), -1, dtype=np.int8 if len(groups) < 128 else np.int32)
    first = known & (subs["rank"] == 1).to_numpy(dtype=bool, na_value=False)
    primary[episode[first]] = group[first]
    kind = np.uint8 if len(found) <= 256 else np.uint16 if len(found) <= 65536 else np.int64
    data.derived[name] = EpisodeGroups(groups, combination.astype(kind), combinations, primary)
    return data.derived[name]


def _positions_by(values: pd.Series, rows: np.ndarray, wanted: Sequence[object]) -> np.ndarray:
    """For each of ``rows`` of ``values``, its value's position in ``wanted`` (-1: none of them)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.dtype.categories
        lookup = np.full(len(categories) + 1, -1, np.int64)  # the last slot: a missing value (code -1)
        for position, value in enumerate(wanted):
            if value in categories:
                lookup[categories.get_loc(value)] = position
        return lookup[values.array.codes[rows]]
    taken = values.take(rows).astype(object).to_numpy()
    out = np.full(len(rows), -1, np.int64)
    for position, value in enumerate(wanted):
        out[taken == value] = position
    return out


def _episode_positions(data: Dataset) -> np.ndarray:
    """The row in ``data.episodes`` of each substance row's episode (-1: not in the episodes), once
    per data set."""
    if "substance_episode_rows" not in data.derived:
        data.derived["substance_episode_rows"] = cohorts.positions_in(data.substances["episode_id"],
                                                                      data.episodes["episode_id"])
    return data.derived["substance_episode_rows"]


def _masks_by(values: pd.Series, wanted: Sequence[object]) -> list[np.ndarray]:
    """``values == each of wanted`` as bool arrays (on a categorical column's codes)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, categories = values.array.codes, values.dtype.categories
        return [codes == categories.get_loc(w) if w in categories else np.zeros(len(values), bool) for w in wanted]
    array = values.astype(object).to_numpy()
    return [array == w for w in wanted]


def _group_order(groups: pd.Index, counts: np.ndarray, categories: Sequence[str]) -> tuple[list, list[int]]:
    """(groups in display order, their numbers of people): every category of ``categories`` (zero
    rows kept), then any other group with people, most people first (ties in the groups' order)."""
    by_group = dict(zip(groups, counts.tolist(), strict=True))
    extras = sorted((g for g, n in by_group.items() if n > 0 and g not in categories),
                    key=lambda g: -by_group[g])
    order = [*categories, *extras]
    return order, [int(by_group.get(g, 0)) for g in order]


def _group_counts(groups: pd.Index, counts: np.ndarray, categories: Sequence[str], name: str = "substance"
                  ) -> pd.DataFrame:
    """People per group (substance group, drug class or intervention group) in display order
    (``_group_order``). The group column is named ``name``."""
    order, numbers = _group_order(groups, counts, categories)
    return pd.DataFrame({name: order, "count": numbers})


def _group_counts_by(by: str, parts: Sequence[tuple[str, np.ndarray, int]], groups: pd.Index,
                     categories: Sequence[str], name: str) -> pd.DataFrame:
    """``_group_counts`` for each (value of ``by``, counts, people with that value) of ``parts``, one
    after another in one frame with the ``by`` value first and those people as the denominator."""
    values, names, numbers, denominators = [], [], [], []
    for value, counts, people in parts:
        order, counted = _group_order(groups, counts, categories)
        values += [value] * len(order)
        names += order
        numbers += counted
        denominators += [int(people)] * len(order)
    return pd.DataFrame({by: values, name: names, "count": numbers, "denominator": denominators})


def substances(
    data: Dataset, *, fy: FinancialYear, filters: Filters = Filters(), view: str = ANY_MENTION, by: str | None = None
) -> pd.DataFrame:
    """People in treatment with each problem substance group, as a % of people in treatment
    (in the same sex or age band when ``by`` is "sex" or "age_band"). Each person's substances
    are those of the episode that puts them in the cohort (``person_year.people``).

    ``any mention``: a person counts once for every substance group recorded at any rank, so
    percentages can sum past 100%. ``primary``: the rank-1 substance only, each person once."""
    rows = person_year.rows(data, fy, filters)["episode_row"].to_numpy()
    recorded = episode_substances(data)
    count = recorded.primary_people if view == PRIMARY else recorded.people_with
    categories = GROUP_ORDER["substance"]
    if by is None:
        out = _group_counts(recorded.groups, count(rows)[0], categories)
        out["denominator"] = len(rows)
    else:
        column, values = ATTRIBUTES[by]
        positions = _positions_by(data.episodes[column], rows, values)
        counts = count(rows, positions, len(values))
        people = np.bincount(positions[positions >= 0], minlength=len(values))
        out = _group_counts_by(by, list(zip(values, counts, people, strict=True)), recorded.groups, categories,
                               "substance")
    return measure(out, PROPORTION, label=f"Problem substances ({view})")


# ------------------------------------------------------------------ referrals
def referrals_in_year(data: Dataset, fy: FinancialYear, filters: Filters = Filters(),
                      columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Referrals received in the year, each with the service, sex, age band and district it is
    counted under (``link_referrals``). With every filter at "All" all referrals count; a service
    filter keeps referrals of that service; the other filters match the referral's attributes, so
    district "Not known" holds the referrals of people never treated (GLOSSARY).
    The linking is done once per data set (``linked_referrals``); ``columns`` (default: every column)
    names the columns a caller reads, so only those are taken from the referrals. The index numbers
    each referral within the year's referrals (``linked_triage_dates`` is numbered the same way)."""
    if not data.offers(fy):
        linked = linked_referrals(data, fy)
        return _selected(linked, filters)[list(columns) if columns is not None else linked.columns]
    rows, attributes, parts = _linked(data)
    start, stop = parts.get(fy.start_year, (0, 0))
    own = pd.DataFrame({c: attributes[c][start:stop] for c in REFERRAL_ATTRIBUTES}, copy=False)
    kept = own if filters == Filters() else _selected(own, filters)
    return _year_frame(data, rows[start:stop], own, kept.index.to_numpy(), columns)


def _selected(linked: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The linked referrals ``linked`` in the selection ``filters`` (their index kept)."""
    if filters == Filters():
        return linked
    if filters.service != ALL:
        linked = linked[linked["service_group"] == filters.service]
    return select_people(linked, filters)


def _year_frame(data: Dataset, rows: np.ndarray, attributes: pd.DataFrame, kept: np.ndarray,
                columns: Sequence[str] | None) -> pd.DataFrame:
    """The referrals at ``rows[kept]`` (rows of ``data.referrals``) with their linked ``attributes``
    (numbered as ``rows``): ``columns`` of them, or every column as ``link_referrals`` orders them."""
    ref = data.referrals
    if columns is None:
        ref = data.table("referrals")  # every column as loaded (one not held given back)
        columns = [c for c in ref.columns if c not in REFERRAL_ATTRIBUTES] + list(REFERRAL_ATTRIBUTES)
    elif not set(columns) <= {*ref.columns, *REFERRAL_ATTRIBUTES}:  # a column not held: read again, on its own
        ref = ref.assign(**{c: data.column("referrals", c) for c in columns if c not in ref and c not in REFERRAL_ATTRIBUTES})
    every = len(kept) == len(rows)
    index = pd.RangeIndex(len(rows)) if every else pd.Index(kept)
    taken_rows = rows if every else rows[kept]
    out = {}
    for c in columns:
        if c in REFERRAL_ATTRIBUTES:
            values = attributes[c].array if every else attributes[c].array.take(kept)
            out[c] = pd.Series(values, index=index, name=c, copy=False)
        else:
            out[c] = pd.Series(ref[c].array.take(taken_rows), index=index, name=c, copy=False)
    return pd.DataFrame(out, index=index, columns=list(columns), copy=False)


#: The person attributes a referral is counted under (GLOSSARY "Referrals of people never treated").
REFERRAL_ATTRIBUTES = ("service_group", "sex_group", "age_band", "district")


def _recorded(values: pd.Series) -> pd.Series:
    """Values that hold a group: not missing, not "Not recorded", not an unmapped code."""
    unknown = [NOT_RECORDED, UNMAPPED, NOT_KNOWN]
    if isinstance(values.dtype, pd.CategoricalDtype):  # worked out once per category
        holds = np.array([c not in unknown for c in values.dtype.categories] + [False])
        return pd.Series(holds[values.array.codes], index=values.index)
    present = values.notna()
    if not present.any():  # e.g. no service column: nothing to compare
        return present
    text = values.astype("object")
    return present & ~text.isin(unknown)


def linked_referrals(data: Dataset, fy: FinancialYear) -> pd.DataFrame:
    """``link_referrals(data, fy)`` (every column), taken from every referral of the years offered
    linked once per data set (``_linked``; the linking of a referral does not depend on its year or
    on any selection), so a first look at a selection does not link them again. A year not offered is
    linked on its own, once (``Dataset.remember``)."""
    if not data.offers(fy):
        return data.remember(("referrals linked to episodes", fy), lambda: link_referrals(data, fy))
    return referrals_in_year(data, fy)


def _linked(data: Dataset) -> tuple[np.ndarray, dict[str, pd.Categorical], dict[int, tuple[int, int]]]:
    """Every referral of the years offered linked to its episode, once per data set (``Dataset.derived``):
    the row in ``data.referrals`` of each (by year, each year's referrals in their own order; int32), the
    four attributes it is counted under (categories, in that order) and each year's ``(start, stop)`` in
    it. Row numbers, not a copy of the referrals: at national scale the copy held 150-200 MB of text ids
    and its making raised the first Overview's peak by about 0.2 GB (issue 12)."""
    if "linked_referrals" not in data.derived:
        ref = data.referrals
        dates = ref["referral_date"]
        year = np.full(len(ref), -1, dtype=np.int64)
        for each in data.years:
            year[((dates >= each.start) & (dates <= each.end)).to_numpy(dtype=bool, na_value=False)] = each.start_year
        keep = np.flatnonzero(year >= 0)
        order = keep[np.argsort(year[keep], kind="stable")]  # by year, each year's referrals in their own order
        order = order.astype(np.int32) if len(ref) < 2**31 else order
        saved = data.derived.get(EPISODE_LINKS_KEY, {})  # found when the version was saved (episode_links)
        if "referrals" in saved:
            rows, latest = saved["referrals"][order], saved["referrals_latest"][order]
        else:
            ids = ref[["episode_id"]].iloc[order].reset_index(drop=True) if "episode_id" in ref else ref.iloc[order, :0]
            rows, latest = _episode_rows_of(data, ids), None
        data.derived["linked_referral_episode_rows"] = rows
        needed = ([c for c in ("service_group",) if c in ref] + (["episode_id"] if rows is None and "episode_id" in ref else [])
                  + (["client_id"] if latest is None else []))  # what ``_link_attributes`` reads: no text id it need not
        attributes = _link_attributes(data, ref[needed].iloc[order].reset_index(drop=True), rows, latest)
        ordered = year[order]
        parts = {int(y): (int(np.searchsorted(ordered, y, "left")), int(np.searchsorted(ordered, y, "right")))
                 for y in np.unique(ordered)}
        data.derived["linked_referral_clients"] = _client_codes(data, ref, order, latest)
        data.derived["linked_referral_clients_matched"] = latest is not None  # codes below people's: a person's
        data.derived["linked_referrals"] = (order, attributes, parts)
        data.derived.pop(EPISODE_LINKS_KEY, None)  # every referral's saved links: used, no longer needed (26 MB)
        release_read_buffers()  # what the linking took, freed: not kept by Arrow's allocator (issue 12)
    return data.derived["linked_referrals"]


def referral_links(data: Dataset) -> tuple[np.ndarray, np.ndarray | None, np.ndarray] | None:
    """The referrals of the offered years (rows of ``data.referrals``, ``_linked``), the episode row each records
    (-1: none or not found; None: none recorded, or episode ids that repeat) and each one's client code
    (``_client_codes``), when those codes were matched to the episodes' people (a saved version's links); else None."""
    order = _linked(data)[0]
    if not data.derived.get("linked_referral_clients_matched"):
        return None
    return order, data.derived.get("linked_referral_episode_rows"), data.derived["linked_referral_clients"]


def _client_codes(data: Dataset, ref: pd.DataFrame, order: np.ndarray, latest: np.ndarray | None) -> np.ndarray:
    """A code for the person each referral at ``order`` (rows of ``ref``) was made for, equal where the
    client id is the same and only there (-1: no client id): the person code of the client's latest
    episode (``latest``, saved with the version) where the client has an episode, else a code past every
    person's from the client ids of the others (all of them when ``latest`` is not known)."""
    person = data.episodes["person"].to_numpy()
    people = int(person.max()) + 1 if len(person) else 0
    if latest is not None:
        codes = np.where(latest >= 0, person[np.maximum(latest, 0)] if len(person) else -1, -1).astype(np.int64)
        others = np.flatnonzero(latest < 0)
    else:
        codes, others = np.full(len(order), -1, dtype=np.int64), np.arange(len(order))
    if len(others) and "client_id" in data.columns_of("referrals"):
        clients = ref["client_id"] if "client_id" in ref else data.column("referrals", "client_id")  # read if not held
        found = pd.factorize(clients.take(order[others]))[0]  # a missing id: -1
        codes[others] = np.where(found >= 0, found + people, -1)
    return codes.astype(np.int32) if len(codes) and codes.max() < 2**31 else codes


def referral_people(data: Dataset, fy: FinancialYear, filters: Filters = Filters()) -> int:
    """People referred (GLOSSARY): distinct clients among the year's referrals in the selection
    (``referrals_in_year``), counted on the client codes found once per data set (``_client_codes``)
    instead of hashing the year's text ids on every selection; a year not offered, on its client ids."""
    if not data.offers(fy):
        return int(referrals_in_year(data, fy, filters, ["client_id"])["client_id"].nunique())
    start, stop = _linked(data)[2].get(fy.start_year, (0, 0))
    codes = data.derived["linked_referral_clients"][start:stop]
    if filters != Filters():
        codes = codes[referrals_in_year(data, fy, filters, []).index.to_numpy()]
    codes = codes[codes >= 0]
    if not len(codes):
        return 0
    seen = np.zeros(int(codes.max()) + 1, dtype=bool)
    seen[codes] = True
    return int(np.count_nonzero(seen))


def linked_triage_dates(data: Dataset, fy: FinancialYear) -> np.ndarray | None:
    """The triage date of the episode each referral of ``referrals_in_year(data, fy)`` records (NaT when
    none), by the row number its index gives, taken by the episode rows found once per data set
    (``_linked``; one year's dates, not every referral's held: 23 MB at national scale); ``None`` for a
    year not offered, or when the referrals record no episode or an episode id is not unique."""
    if not data.offers(fy):
        return None
    parts = _linked(data)[2]
    found = data.derived.get("linked_referral_episode_rows")
    if found is None:
        return None
    start, stop = parts.get(fy.start_year, (0, 0))
    return cohorts.taken(data.episodes["triage_date"], found[start:stop]).to_numpy()


def link_referrals(data: Dataset, fy: FinancialYear) -> pd.DataFrame:
    """Referrals with a referral date in ``fy``, with the attributes they are counted under.

    GLOSSARY "Referrals of people never treated": sex, age band and district are those of the
    episode the referral led to (its ``episode_id``), else of the person's latest episode in the
    data, else "Not known" (a person never treated). The service is the referral's own service
    where the referrals table records one (a ``service_group`` column), else that episode's, else
    "Not known". Every referral is kept, so the district rows (with "Not known") add up to the total."""
    ref = data.table("referrals")  # every column as loaded (an empty one is not held)
    ref = ref[(ref["referral_date"] >= fy.start) & (ref["referral_date"] <= fy.end)].reset_index(drop=True)
    return _link(data, ref)


def _episode_rows_of(data: Dataset, ref: pd.DataFrame) -> np.ndarray | None:
    """The row in ``data.episodes`` of the episode each referral records (-1: none or not found);
    ``None`` when the referrals record no episode or an episode id is not unique (then linked by a
    merge, as before)."""
    if "episode_id" not in ref or not ref["episode_id"].notna().any():
        return None
    if "unique_episode_ids" not in data.derived:
        data.derived["unique_episode_ids"] = ids_unique(data.episodes["episode_id"])
    if not data.derived["unique_episode_ids"]:
        return None
    return rows_of_ids(ref["episode_id"], data.episodes["episode_id"])


def _link(data: Dataset, ref: pd.DataFrame, episode_rows: np.ndarray | None = None,
          latest_rows: np.ndarray | None = None) -> pd.DataFrame:
    """``link_referrals`` of the referrals ``ref`` (rows numbered from 0): the referrals without any
    attribute columns of their own, with the attributes ``_link_attributes`` finds."""
    attributes = _link_attributes(data, ref, episode_rows, latest_rows)
    return ref.drop(columns=[c for c in REFERRAL_ATTRIBUTES if c in ref]).reset_index(drop=True).assign(**attributes)


def _link_attributes(data: Dataset, ref: pd.DataFrame, episode_rows: np.ndarray | None = None,
                     latest_rows: np.ndarray | None = None) -> dict[str, pd.Categorical]:
    """The attributes ``link_referrals`` gives the referrals ``ref`` (rows numbered from 0; it reads
    their ``service_group``, ``episode_id`` and ``client_id``, where present), each linked on its own
    (``episode_rows``: ``_episode_rows_of(data, ref)``, and ``latest_rows``: ``_latest_rows_of``, when
    already found). The attributes are
    categories (as the episodes hold them, with "Not known"), not a text object per referral: at
    national scale those held over a gigabyte."""
    own_service = ref["service_group"] if "service_group" in ref else pd.Series(pd.NA, index=ref.index)
    ref = ref.reset_index(drop=True)
    episodes = data.episodes
    found = episode_rows if episode_rows is not None else _episode_rows_of(data, ref)
    if found is None and "episode_id" in ref and ref["episode_id"].notna().any():
        # an episode id given twice (the contract's key rejects this at load): its first match, so each referral counts once
        found = _first_match(ref["episode_id"], episodes["episode_id"])
    if found is None:
        found = np.full(len(ref), -1, dtype=np.int64)
    columns = {c: episodes[c] if isinstance(episodes[c].dtype, pd.CategoricalDtype) else episodes[c].astype("category")
               for c in REFERRAL_ATTRIBUTES}
    categories = {c: list(values.dtype.categories) for c, values in columns.items()}
    episode_codes = {c: values.array.codes for c, values in columns.items()}
    codes = {c: np.where(found >= 0, episode_codes[c][np.maximum(found, 0)], -1) if len(episode_codes[c])
             else np.full(len(ref), -1) for c in REFERRAL_ATTRIBUTES}
    missing = codes["service_group"] < 0
    if missing.any():  # no episode (or one with no service): the person's latest episode in the data
        at = latest_rows[missing] if latest_rows is not None else _latest_rows_of(data, ref.loc[missing, "client_id"])
        for c in REFERRAL_ATTRIBUTES:
            codes[c][missing] = np.where(at >= 0, episode_codes[c][np.maximum(at, 0)], -1) if len(at) else -1
    recorded = _recorded(own_service).to_numpy()
    if recorded.any():  # the referral's own service, where the referrals table records one
        own = own_service.astype("object").to_numpy()[recorded]
        categories["service_group"] += [v for v in pd.unique(own) if v not in categories["service_group"]]
        codes["service_group"][recorded] = pd.Index(categories["service_group"]).get_indexer(own)
    attributes = {}
    for c in REFERRAL_ATTRIBUTES:
        if NOT_KNOWN not in categories[c]:
            categories[c].append(NOT_KNOWN)
        filled = np.where(codes[c] < 0, categories[c].index(NOT_KNOWN), codes[c])
        attributes[c] = pd.Categorical.from_codes(filled, categories=categories[c])
    return attributes


def _latest_rows_of(data: Dataset, clients: pd.Series) -> np.ndarray:
    """The row in ``data.episodes`` of each client's latest episode in the data (-1: not a client there)."""
    episodes = data.episodes
    person = episodes["person"].to_numpy() if "person" in episodes else pd.factorize(episodes["client_id"])[0]
    latest = np.flatnonzero(np.concatenate([person[1:] != person[:-1], [True]])) if len(person) else person
    if not len(latest):
        return np.full(len(clients), -1, dtype=np.int64)
    at = rows_of_ids(clients, episodes["client_id"].iloc[latest])
    return np.where(at >= 0, latest[np.maximum(at, 0)], -1)


#: Where ``Dataset.derived`` holds the episode links read with a saved version (``use_episode_links``).
EPISODE_LINKS_KEY = "episode_links"


def episode_links(data: Dataset) -> dict[str, np.ndarray]:
    """Each child row's episode, found once so a saved version can keep it (``analysis.store``): the row
    in the prepared episodes of each substance's and intervention's episode, and of each referral's
    episode and its client's latest episode (-1: none). Referrals get none when the episode ids repeat. As
    int32, as the store saves and reads them (issue 12: int64 held 70 MB more at national scale)."""
    links: dict[str, np.ndarray] = {}
    if "episode_id" not in data.episodes:  # no episodes saved yet
        return links
    for table, frame in (("substances", data.substances), ("interventions", data.interventions)):
        if frame is not None and "episode_id" in frame:
            links[table] = rows_of_ids(frame["episode_id"], data.episodes["episode_id"], dtype=np.int32)
            release_read_buffers()  # each lookup's Arrow buffers given back before the next (issue 12)
    referrals = data.referrals
    if referrals is not None and "client_id" in referrals:
        rows = _episode_rows_of(data, referrals)
        release_read_buffers()
        if rows is not None or "episode_id" not in referrals:
            links["referrals"] = (rows.astype(np.int32) if rows is not None
                                  else np.full(len(referrals), -1, dtype=np.int32))
            del rows
            links["referrals_latest"] = _latest_rows_of(data, referrals["client_id"]).astype(np.int32)
    return links


#: Parts an identifier lookup is done in (``rows_of_ids``): each part's ids hashed on their own.
ID_PARTS = 8


def rows_of_ids(values: pd.Series, keys: pd.Series, dtype: type = np.int64) -> np.ndarray:
    """``cohorts.positions_in(values, keys)`` (the position in ``keys`` of each of ``values``; -1: not there or
    missing; the first of repeated keys), for text ids held in Arrow done in ``ID_PARTS`` parts: the ids are
    parted by their last two bytes (the same id always in the same part) and each part looked up on its own,
    so Arrow's hash table holds an eighth of the keys at a time (issue 12: each lookup of the national
    episode ids held 250 MB; a save found four). As ``dtype`` (int32 for keys fewer than 2**31)."""
    if cohorts._text_categories(values):  # each category looked up once, then taken by the codes
        found = rows_of_ids(pd.Series(values.dtype.categories), keys, dtype)
        return np.append(found, np.array([-1], dtype=found.dtype))[values.array.codes]
    value_ids, key_ids = _arrow_text(values), _arrow_text(keys)
    if value_ids is None or key_ids is None:
        return cohorts.positions_in(values, keys).astype(dtype, copy=False)
    value_parts, key_parts = _id_parts(value_ids), _id_parts(key_ids)
    out = np.full(len(values), -1, dtype=dtype)
    for part in range(ID_PARTS):
        key_rows, value_rows = np.flatnonzero(key_parts == part), np.flatnonzero(value_parts == part)
        if not len(key_rows) or not len(value_rows):
            continue
        found = pc.index_in(value_ids.take(value_rows), value_set=key_ids.take(key_rows).combine_chunks(),
                            skip_nulls=True)
        found = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
        hit = found >= 0
        out[value_rows[hit]] = key_rows[found[hit]]
    return out


def ids_unique(keys: pd.Series) -> bool:
    """``cohorts.unique_values(keys)`` (no value repeats; missing values count as one value), for text ids
    held in Arrow counted in the parts of ``rows_of_ids`` (issue 12: pandas hashed every id at once, +270 MB
    for the national episode ids)."""
    ids = _arrow_text(keys)
    if ids is None:
        return cohorts.unique_values(keys)
    if ids.null_count > 1:
        return False
    parts = _id_parts(ids)
    for part in range(ID_PARTS):
        rows = np.flatnonzero(parts == part)
        if len(rows) > 1 and pc.count_distinct(ids.take(rows)).as_py() != len(rows):
            return False
    return True


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow text array holding ``values`` (large text, as pandas holds it), or None when they are
    held otherwise (Python objects, categories, numbers)."""
    ids = getattr(values.array, "_pa_array", None)
    if not isinstance(ids, pa.ChunkedArray) or not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)):
        return None
    return ids if pa.types.is_large_string(ids.type) else ids.cast(pa.large_string())


def _id_parts(ids: pa.ChunkedArray) -> np.ndarray:
    """The part (0 to ``ID_PARTS`` - 1) of each of the text ``ids``, from its last two bytes (read from
    Arrow's buffers, nothing copied but the offsets); ``ID_PARTS`` for a missing id."""
    out = []
    for chunk in ids.chunks:
        n = len(chunk)
        if n == 0:
            continue
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[chunk.offset:chunk.offset + n + 1]
        empty = data_buffer is None or not data_buffer.size
        data = np.zeros(1, np.uint8) if empty else np.frombuffer(data_buffer, dtype=np.uint8)
        ends = offsets[1:]
        lengths = ends - offsets[:-1]
        last = np.where(lengths >= 1, data[np.clip(ends - 1, 0, len(data) - 1)], 0).astype(np.int32)
        second = np.where(lengths >= 2, data[np.clip(ends - 2, 0, len(data) - 1)], 0).astype(np.int32)
        parts = ((last * 31 + second) % ID_PARTS).astype(np.uint8)
        if chunk.null_count:
            parts[chunk.is_null().to_numpy(zero_copy_only=False)] = ID_PARTS
        out.append(parts)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint8)


def use_episode_links(data: Dataset, links: dict[str, np.ndarray], *, ids_from_links: Collection[str] = (),
                      positions: Mapping[str, int] | None = None) -> None:
    """Take the episode links saved with a version (``episode_links``) instead of finding them again. The
    tables named in ``ids_from_links`` were read without their episode ids (every id they record was
    found: ``Store.ids_given_by_links``): each gets them back from its links, as a category over the
    episodes' ids, at its column position in ``positions`` (issue 12: 240 MB of text at national scale)."""
    for table in ids_from_links:
        frame = getattr(data, table)
        if frame is not None and "episode_id" not in frame and len(links.get(table, ())) == len(frame):
            frame.insert(min((positions or {}).get(table, len(frame.columns)), len(frame.columns)), "episode_id",
                         linked_episode_ids(data.episodes, links[table]))
    if "substances" in links and len(links["substances"]) == len(data.substances):
        data.derived["substance_episode_rows"] = links["substances"]
    if "interventions" in links and data.interventions is not None and len(links["interventions"]) == len(data.interventions):
        data.derived["intervention_episode_rows"] = links["interventions"]
    if "referrals" in links and len(links["referrals"]) == len(data.referrals):
        data.derived[EPISODE_LINKS_KEY] = {"referrals": links["referrals"], "referrals_latest": links["referrals_latest"]}


def linked_episode_ids(episodes: pd.DataFrame, rows: np.ndarray) -> pd.Categorical:
    """The episode id of each of ``rows`` (rows of ``episodes``; -1: none, a missing id) as a category
    whose categories are the episodes' own ids (shared, not copied) and whose codes are ``rows`` (not
    copied): the same values as the text, held in 4 bytes a row. The episodes' ids must not repeat (a
    saved version's key: checking it again took 4 s and 0.3 GB for 3 million ids)."""
    dtype = pd.CategoricalDtype._from_fastpath(pd.Index(episodes["episode_id"]), False)  # ids unique: not checked
    return pd.Categorical.from_codes(rows, dtype=dtype, validate=False)


def _first_match(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """The position in ``keys`` of each of ``values``' first match (-1: none), for keys that repeat."""
    first = ~keys.duplicated().to_numpy()
    positions = np.flatnonzero(first)
    return np.where((at := cohorts.positions_in(values, keys[first])) >= 0, positions[np.maximum(at, 0)], -1)


def referrals(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Number of referrals received in the year (referrals, not people)."""
    return measure(pd.DataFrame({"count": [len(referrals_in_year(data, fy, filters, []))]}), COUNT, label="Referrals")


def referrals_by_source(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Referrals received in the year by source group, as % of all referrals in the selection."""
    ref = referrals_in_year(data, fy, filters, ["referral_source_group"])
    categories = GROUP_ORDER["referral_source"]
    out = _drop_empty_extras(_counts(ref["referral_source_group"], categories, "referral_source"),
                             "referral_source", categories)
    out["denominator"] = len(ref)
    return measure(out, PROPORTION, label="Referrals by source")


def key_referral_share(
    data: Dataset,
    *,
    fy: FinancialYear,
    filters: Filters = Filters(),
    groups: Sequence[str] = DEFAULT_KEY_REFERRAL_GROUPS,
) -> pd.DataFrame:
    """Referrals from the key referring agencies (``groups``) as % of all referrals in the year."""
    ref = referrals_in_year(data, fy, filters, ["referral_source_group"])
    count = int(ref["referral_source_group"].isin(list(groups)).sum())
    frame = pd.DataFrame({"count": [count], "denominator": [len(ref)]})
    return measure(frame, PROPORTION, label="Share of referrals from key referring agencies")


def monthly_referrals(data: Dataset, *, end: pd.Timestamp, months: int = 24, filters: Filters = Filters()) -> pd.DataFrame:
    """Referrals received per calendar month over the ``months`` months ending with ``end``'s month."""
    last = pd.Period(end, "M")
    periods = pd.period_range(last - (months - 1), last, freq="M")
    fy_span = FinancialYear.containing(periods[0].start_time)
    dates = pd.concat(  # the dates only: joining whole frames compared their columns' types (the episode
        # ids' categories: 3m ids hashed, 3.5 s and +0.4 GB at national scale, issue 12)
        [referrals_in_year(data, FinancialYear(y), filters, ["referral_date"])["referral_date"]
         for y in range(fy_span.start_year, FinancialYear.containing(end).start_year + 1)],
        ignore_index=True,
    )
    month = dates.dt.to_period("M")
    counts = month.value_counts()
    out = pd.DataFrame({"month": [p.start_time for p in periods],
                        "count": [int(counts.get(p, 0)) for p in periods]})
    return measure(out, COUNT, label="Referrals per month")


# ------------------------------------------------------------------ exits and interventions
def exits_by_reason(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People discharged in the year by exit group (planned / unplanned / transferred / other or
    not known: the "other" reason, an empty reason or an unmapped code), as % of all people
    discharged (each once, by their last discharge in the year)."""
    groups = exited_groups(person_year.rows(data, fy, filters))
    categories = GROUP_ORDER["discharge_reason"]
    out = _drop_empty_extras(_counts(groups, categories, "exit_group"), "exit_group", categories)
    out["denominator"] = len(groups)
    return measure(out, PROPORTION, label="Exits by group")


def exited_groups(rows: pd.DataFrame) -> pd.Series:
    """The fact table's ``exit_group`` of each person discharged in the year (``exited``), in row order: the
    exit group of their last discharge in the year, as ``person_year.exits`` gives it (without taking the
    episodes)."""
    exited = rows["exited"].to_numpy(dtype=bool)
    return pd.Series(rows["exit_group"].array[exited], name="exit_group")


def exits_by_discharge_reason(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People discharged in the year by recorded discharge reason, with its exit group."""
    people = person_year.exits(data, fy, filters, columns=["discharge_reason"])
    reason = people["discharge_reason"].astype("string").str.strip().str.lower().str.replace(r"[\s_\-]+", " ", regex=True)
    out = _counts(reason.fillna("not recorded"), [], "discharge_reason")
    out["denominator"] = len(people)
    return measure(out, PROPORTION, label="Exits by discharge reason")


def interventions_by_sex(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People in treatment receiving each intervention group during the year (an intervention
    started on or before 31 March and not ended before 1 April, on any of the person's episodes in
    treatment during the year), by sex, as % of people in treatment of that sex."""
    rows = person_year.rows(data, fy, filters)["episode_row"].to_numpy()
    groups, received = _interventions_in_year(data, fy)
    person = data.episodes["person"].to_numpy()
    chosen = np.zeros(len(received), dtype=bool)
    parts = []
    sexes = GROUP_ORDER["sex"]
    for sex, mask in zip(sexes, _masks_by(data.episodes["sex_group"].take(rows), sexes), strict=True):
        in_group = rows[mask]
        chosen[:] = False
        chosen[person[in_group]] = True  # each person once
        counts = np.unpackbits(received[chosen], axis=1, count=len(groups)).sum(axis=0, dtype=np.int64)
        parts.append((sex, counts, len(in_group)))
    out = _group_counts_by("sex", parts, groups, GROUP_ORDER["intervention"], "intervention")
    return measure(out, PROPORTION, label="Interventions by sex")


def _interventions_in_year(data: Dataset, fy: FinancialYear) -> tuple[pd.Index, np.ndarray]:
    """The intervention groups, and for each person (by person code) which groups they received: an
    intervention active in ``fy`` on an episode in treatment during ``fy`` (``cohorts.active_episodes``).
    The second is a person x group table of bits (``numpy.packbits`` along the groups). Worked out once
    per data set and year (``Dataset.derived``), as no selection changes them."""
    kept = data.derived.setdefault("interventions_in_year", {})
    if fy.start_year in kept:
        return kept[fy.start_year]
    iv = data.interventions if data.interventions is not None else pd.DataFrame(
        {"episode_id": pd.Series(dtype="string"), "intervention_group": pd.Series(dtype="category"),
         "start_date": pd.Series(dtype="datetime64[ns]"), "end_date": pd.Series(dtype="datetime64[ns]")})
    values = iv["intervention_group"]
    if isinstance(values.dtype, pd.CategoricalDtype):  # the codes are the positions in the categories
        groups, codes = pd.Index(values.cat.categories), values.array.codes
    else:
        groups = pd.Index(values.dropna().astype(object).unique())
        codes = groups.get_indexer(values)
    if "intervention_episode_rows" not in data.derived:
        data.derived["intervention_episode_rows"] = cohorts.positions_in(iv["episode_id"], data.episodes["episode_id"])
    episode = data.derived["intervention_episode_rows"]
    episodes = data.episodes
    triage = episodes["triage_date"].to_numpy()
    end = episodes["episode_end"].to_numpy()
    if (starts := data.day_numbers("interventions", "start_date")) is not None:  # held as day numbers
        ends = data.day_numbers("interventions", "end_date")  # both or neither (``hold_dates_as_days``)
        first, last = (np.datetime64(day, "D").astype(np.int64) for day in (fy.start, fy.end))
        started, open_or_ended = (starts <= last) & (starts != NO_DAY), (ends == NO_DAY) | (ends >= first)
    else:
        starts, ends = iv["start_date"].to_numpy(), iv["end_date"].to_numpy()  # NaT compares as False
        started, open_or_ended = starts <= np.datetime64(fy.end), np.isnat(ends) | (ends >= np.datetime64(fy.start))
    active = np.flatnonzero(started & open_or_ended & (episode >= 0))
    rows = episode[active]
    in_treatment = (triage[rows] <= np.datetime64(fy.end)) & (end[rows] >= np.datetime64(fy.start))
    group = codes[active[in_treatment]]
    people = episodes["person"].to_numpy()
    person = people[rows[in_treatment]]
    known = group >= 0
    # each (person, group) once: marked in a person x group table, not sorted (millions of pairs); the
    # table is a whole number of bytes wide, so packing it row after row packs each person's groups
    width = max(-(-len(groups) // 8), 1) * 8
    seen = np.zeros((int(people.max()) + 1 if len(people) else 0, width), dtype=bool)
    seen[person[known], group[known]] = True
    kept[fy.start_year] = (groups, np.packbits(seen.reshape(-1)).reshape(len(seen), width // 8))
    return kept[fy.start_year]


__all__ = [
    "ANY_MENTION",
    "ATTRIBUTES",
    "PLANNED",
    "PRIMARY",
    "UNPLANNED",
    "NOT_APPLICABLE_TO_YOUNG_PEOPLE",
    "breakdown",
    "back_in_treatment",
    "effective_treatment",
    "effective_treatment_share",
    "exits_by_discharge_reason",
    "exits_by_reason",
    "in_treatment_on_31_march",
    "interventions_by_sex",
    "key_referral_share",
    "link_referrals",
    "monthly_referrals",
    "new_presentations",
    "people_by",
    "people_by_age_and_sex",
    "people_in_treatment",
    "re_presentations",
    "referrals",
    "referrals_by_source",
    "retention_12_weeks",
    "substances",
    "successful_completion_rate",
]


# ------------------------------------------------------------------ analyses added for issue 9
# (kept in their own block, below ``__all__``, so changes elsewhere in this module merge cleanly)
from analysis.codes import (  # noqa: E402
    DRUG_CLASS, DRUG_CLASS_GROUPS, NOT_CONTROLLED, NOT_RECORDED, SUBSTANCE_GROUP_CLASS, UNMAPPED, normalise_code,
)
from analysis.periods import age_band  # noqa: E402

#: Groups meaning a field's value is not known (as ``analysis.quality.MISSING_GROUPS``, which
#: imports this module): a person holding one of them has the field "not recorded".
UNKNOWN_VALUE_GROUPS = (NOT_RECORDED, UNMAPPED, "Not stated")
#: Fields whose shares among the people with the field recorded are shown on the People page.
RECORDED_FIELDS = ("ethnicity", "accommodation_status", "in_care", "injecting_status")


def substance_class(substances: pd.DataFrame) -> pd.Series:
    """Drug class of each substance row (``analysis.codes.DRUG_CLASS``, Misuse of Drugs Act 1971):
    by the row's code (matched as ``normalise_code`` matches codes); a code the list does not name
    takes the class of its substance group where the whole group is in one class
    (``SUBSTANCE_GROUP_CLASS``), and otherwise "Not controlled / other".

    A category (the classes in order of first appearance), worked out once per code and per group and
    taken by the rows' category codes: as text per row, 5 million substances at national scale held
    several hundred MB of Python objects while the Substances page first drew (issue 12)."""
    by_code = {normalise_code(code): group for code, group in DRUG_CLASS.items()}
    codes = _category_codes(substances["substance"])
    groups = _category_codes(substances["substance_group"])
    names: list[str] = []

    def number(name: object) -> int:
        if name is None or (isinstance(name, float) and np.isnan(name)):
            return -1
        if name not in names:
            names.append(str(name))
        return names.index(str(name))

    # one slot per category, and a last one (taken by code -1) for a missing value
    of_code = [number(by_code.get(normalise_code(value))) for value in codes.categories] + [-1]
    of_group = [number(SUBSTANCE_GROUP_CLASS.get(value)) for value in groups.categories] + [-1]
    other = number(NOT_CONTROLLED)
    # one byte a row where the classes fit (a handful): 8-byte rows and a sort of them for the order of
    # first appearance held about 150 MB while the Substances page first drew at national scale (refs12)
    kind = np.int8 if len(names) < 127 else np.int64
    found = np.asarray(of_code, dtype=kind)[codes.codes]
    found = np.where(found >= 0, found, np.asarray(of_group, dtype=kind)[groups.codes])
    found = np.where(found >= 0, found, np.asarray(other, dtype=kind))
    present = np.flatnonzero(np.bincount(found, minlength=len(names))) if len(found) else np.zeros(0, np.int64)
    first = np.array([int(np.argmax(found == k)) for k in present], dtype=np.int64)
    order = present[np.argsort(first, kind="stable")]  # classes in order of first appearance, as text gives them
    position = np.zeros(len(names), dtype=kind)
    position[order] = np.arange(len(order))
    values = pd.Categorical.from_codes(position[found] if len(found) else found, categories=[names[i] for i in order])
    return pd.Series(values, index=substances.index, name="drug_class")


def _category_codes(values: pd.Series) -> pd.Categorical:
    """``values`` as a categorical array (its own when already one; else its values as text)."""
    return values.array if isinstance(values.dtype, pd.CategoricalDtype) else pd.Categorical(values.astype("string"))


def drug_class_table() -> pd.DataFrame:
    """The declared substance code -> drug class mapping (``analysis.codes.DRUG_CLASS``), then the
    class a substance group gives a code the list does not name, as a table to show."""
    codes = pd.DataFrame({"Substance code": list(DRUG_CLASS), "Drug class": list(DRUG_CLASS.values())})
    groups = pd.DataFrame({"Substance code": [f"any other code of the group {g!r}" for g in SUBSTANCE_GROUP_CLASS],
                           "Drug class": list(SUBSTANCE_GROUP_CLASS.values())})
    rest = pd.DataFrame({"Substance code": ["any other code"], "Drug class": [NOT_CONTROLLED]})
    return pd.concat([codes, groups, rest], ignore_index=True)


def drug_classes(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People in treatment during the year with a problem substance in each drug class (Class A,
    B, C, alcohol, not controlled / other), by sex, as % of people in treatment of that sex.

    Any mention: a person counts once in every class any of their substances falls in (so shares
    can sum past 100%). A person's substances are the up to three of their latest episode in the
    year within the selected service (GLOSSARY "Which episode describes a person"); people with
    no substance recorded count in the denominator only. Classes: ``substance_class``."""
    rows = person_year.rows(data, fy, filters)["episode_row"].to_numpy()
    recorded = episode_drug_classes(data)
    sexes = GROUP_ORDER["sex"]
    positions = _positions_by(data.episodes["sex_group"], rows, sexes)
    counts = recorded.people_with(rows, positions, len(sexes))
    people = np.bincount(positions[positions >= 0], minlength=len(sexes))
    out = _group_counts_by("sex", list(zip(sexes, counts, people, strict=True)), recorded.groups, DRUG_CLASS_GROUPS,
                           "drug_class")
    return measure(out, PROPORTION, label="Drug class (any mention) by sex")


def recorded_categories(attribute: str) -> list[str]:
    """The categories of an attribute that are a recorded value (not ``UNKNOWN_VALUE_GROUPS``), in order."""
    return [c for c in ATTRIBUTES[attribute][1] if c not in UNKNOWN_VALUE_GROUPS]


def people_by_among_recorded(
    data: Dataset, attribute: str, *, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """People in treatment by one attribute (``RECORDED_FIELDS``) as % of the people whose value
    of it is recorded: the denominator leaves out people whose value is not recorded, not stated
    or an unmapped code (``UNKNOWN_VALUE_GROUPS``). Wilson intervals follow from the measure."""
    names, counts, unknown, everyone = _recorded_split(data, attribute, fy, filters)
    keep = [name not in UNKNOWN_VALUE_GROUPS for name in names]
    out = pd.DataFrame({attribute: pd.array([n for n, k in zip(names, keep, strict=True) if k], dtype="str"),
                        "count": counts[np.array(keep, dtype=bool)]})
    out["denominator"] = everyone - unknown
    return measure(out, PROPORTION, label=f"People by {attribute.replace('_', ' ')}, % of those recorded")


def _recorded_split(data: Dataset, attribute: str, fy: FinancialYear, filters: Filters
                    ) -> tuple[list[str], np.ndarray, int, int]:
    """(categories, their counts, people whose value is one of ``UNKNOWN_VALUE_GROUPS``, all people) of
    ``people_by`` for the selection, read from its frame (remembered per year and selection when the data
    set remembers: the People page asks for it first). A missing value counts as recorded, as
    ``_not_unknown`` has it; the categories are ``people_by``'s, in its order, so the recorded ones among
    them are in the order ``_counts`` gives the recorded values (a subset keeps the order of first sight)."""
    from analysis.yoy import evaluate  # the remembered measure (yoy imports nothing from here)

    frame = evaluate(people_by, fy, data, attribute, filters=filters)
    names = [str(name) for name in frame[attribute].tolist()]
    counts = frame["count"].to_numpy(dtype="int64")
    unknown = int(sum(n for name, n in zip(names, counts.tolist(), strict=True) if name in UNKNOWN_VALUE_GROUPS))
    everyone = int(frame["denominator"].iloc[0]) if len(frame) else len(person_year.rows(data, fy, filters))
    return names, counts, unknown, everyone


def _not_unknown(values: pd.Series) -> np.ndarray:
    """Values that are not one of ``UNKNOWN_VALUE_GROUPS`` (a missing value is not one of them), worked
    out once per category of a category column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        unknown = np.array([c in UNKNOWN_VALUE_GROUPS for c in values.dtype.categories] + [False])
        return ~unknown[values.array.codes]
    return ~values.astype(object).isin(UNKNOWN_VALUE_GROUPS).to_numpy()


def field_recorded(
    data: Dataset, attribute: str, *, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """Completeness of one attribute (GLOSSARY "Completeness"): people in treatment whose value is
    recorded (not "not recorded", "not stated" or an unmapped code), as % of people in treatment."""
    _, _, unknown, everyone = _recorded_split(data, attribute, fy, filters)
    frame = pd.DataFrame({"field": [attribute], "count": [everyone - unknown], "denominator": [everyone]})
    return measure(frame, PROPORTION, label=f"{attribute.replace('_', ' ').capitalize()} recorded")


def people_by_single_year_of_age(
    data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """People in treatment during the year by single year of age and sex (a count, with exact
    Poisson / Byar 95% intervals): age at triage of each person's latest episode in the year
    within the selected service. Every age from the youngest to the oldest seen is listed (zero
    where nobody); ``age_band`` is the band the age falls in."""
    people = person_year.rows(data, fy, filters)
    ages = people["age"].astype("Int64")  # whole years at triage of the describing episode
    known = ages.notna()
    if not known.any():
        out = pd.DataFrame({"sex": pd.Series(dtype=object), "age": pd.Series(dtype="int64"),
                            "age_band": pd.Series(dtype=object), "count": pd.Series(dtype="int64")})
        return measure(out, COUNT, label="People in treatment by single year of age and sex")
    span = range(int(ages[known].min()), int(ages[known].max()) + 1)
    counts = pd.crosstab(people.loc[known, "sex_group"].astype(object), ages[known].astype("int64"))
    index = pd.MultiIndex.from_product([GROUP_ORDER["sex"], list(span)], names=["sex", "age"])
    stacked = counts.stack() if not counts.empty else pd.Series(dtype="int64")
    stacked.index.names = ["sex", "age"]
    out = stacked.reindex(index, fill_value=0).astype("int64").rename("count").reset_index()
    out.insert(2, "age_band", age_band(out["age"]).astype(str).to_numpy())
    return measure(out, COUNT, label="People in treatment by single year of age and sex")


__all__ += [
    "RECORDED_FIELDS", "UNKNOWN_VALUE_GROUPS", "drug_class_table", "drug_classes", "field_recorded", "people_by_among_recorded",
    "people_by_single_year_of_age", "recorded_categories", "substance_class",
]
