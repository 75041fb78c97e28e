"""Seeded, vectorised generator of a national-scale synthetic data set on England's 326 districts.

Synthetic: not real people, not real treatment figures, not real populations. It reuses the demo
generator's (``data/make_demo_data.py``) share tables and episode model (``_episode_round``:
substances, durations, exits, re-presentations; ``_interventions``; ``to_arrow``) and replaces
only the Oxfordshire geography: every English district of ``data/geo/england_lad_2013.geojson``,
with a synthetic population, ten financial years (2015/16 to 2024/25). People are generated in
chunks so the generator's own memory stays bounded. At ``scale=1`` it gives about three million
episodes; ``scale`` multiplies the number of people.

Run::

    python -m benchmarks.national_data --scale 0.1 --out /tmp/national_10pct
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "data") not in sys.path:
    sys.path.insert(0, str(ROOT / "data"))

import make_demo_data as demo  # noqa: E402  (data/make_demo_data.py: the demo's model and share tables)

GEOGRAPHY = ROOT / "data" / "geo" / "england_lad_2013.geojson"
SEED = 20250401
#: Financial years covered (first calendar year): 2015/16 to 2024/25.
FIRST_FY, LAST_FY = 2015, 2024
#: First episodes are simulated from here so long episodes are already open in 2015/16 ...
SIMULATION_START = np.datetime64("2011-04", "M")
#: ... and episodes ended before the first covered year are not in the extract.
KEEP_FROM = np.datetime64(f"{FIRST_FY}-04-01", "D")
EXTRACT_DATE = demo.EXTRACT_DATE
#: New people per year nationally at scale 1 (gives about 3 million episodes over the ten years).
NEW_PEOPLE_PER_YEAR = {"young_people": 12_000.0, "adult": 200_000.0}
#: Synthetic district populations: lognormal around England's mean district size (56.5m / 326).
MEAN_DISTRICT_POPULATION, DISTRICT_POPULATION_SIGMA = 173_000, 0.45
MIN_DISTRICT_POPULATION = 2_000
#: Spread of the relative treatment rate per head between districts (lognormal sigma).
DISTRICT_RATE_SIGMA = 0.3
#: People generated per chunk (bounds the generator's memory).
CHUNK_PEOPLE = 250_000
POPULATION_YEARS = range(FIRST_FY, LAST_FY + 1)
#: The demo's prevalence is for ~0.7m people; scaled to the national population.
DEMO_POPULATION = sum(demo.CENSUS_2021_TOTAL.values())


def read_districts(path: Path = GEOGRAPHY) -> tuple[np.ndarray, np.ndarray]:
    """District codes and names from the boundary file's properties."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    codes = np.array([f["properties"]["district_code"] for f in features], dtype=object)
    names = np.array([f["properties"]["district_name"] for f in features], dtype=object)
    order = np.argsort(codes)
    return codes[order], names[order]


def _first_triages(rng: np.random.Generator, service: str, scale: float) -> np.ndarray:
    """First-episode triage dates: Poisson counts per month with the demo's seasons and lockdown."""
    months = np.arange(SIMULATION_START, EXTRACT_DATE.astype("datetime64[M]") + 1)
    season = np.array(demo.MONTH_FACTOR[service])[(months.astype(int) % 12 - 3) % 12]
    lockdown = np.where((months >= demo.LOCKDOWN_MONTHS[0]) & (months <= demo.LOCKDOWN_MONTHS[1]),
                        demo.LOCKDOWN_FACTOR, 1.0)
    counts = rng.poisson(NEW_PEOPLE_PER_YEAR[service] * scale / 12 * season * lockdown)
    starts = np.repeat(months.astype("datetime64[D]"), counts)
    lengths = np.repeat((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]"), counts).astype(int)
    return starts + np.floor(rng.random(starts.size) * lengths).astype(int)


def _people(rng: np.random.Generator, first: np.ndarray, service: np.ndarray,
            district_weights: Mapping[str, np.ndarray], codes: np.ndarray) -> dict[str, np.ndarray]:
    """Person attributes, drawn as in the demo, with a district from all of England."""
    n = first.size
    is_yp = service == "young_people"
    sex = demo._choice_by_group(rng, service, demo.SEX_SHARES)
    adult_type = demo._draw_by_rows(rng, demo.ADULT_TYPES, demo._adult_type_shares(demo._financial_year(first)))
    adult_type[is_yp] = demo._choice(rng, demo.EX_YP_ADULT_TYPES, int(is_yp.sum()))
    age = np.empty(n, dtype=int)
    yp_w = np.array(list(demo.YP_AGE_WEIGHTS.values()), dtype=float)
    age[is_yp] = rng.choice(np.array(list(demo.YP_AGE_WEIGHTS)), size=int(is_yp.sum()), p=yp_w / yp_w.sum())
    bands = demo.ADULT_AGE_BAND_WEIGHTS
    adult_ages = np.concatenate([np.arange(lo, hi + 1) for lo, hi in bands])
    adult_w = np.concatenate([np.full(hi - lo + 1, w / (hi - lo + 1)) for (lo, hi), w in bands.items()])
    age[~is_yp] = rng.choice(adult_ages, size=int((~is_yp).sum()), p=adult_w / adult_w.sum())
    birth = first - np.floor((age + 0.002 + 0.996 * rng.random(n)) * demo.DAYS_PER_YEAR).astype(int)
    district = np.empty(n, dtype=object)
    for svc, weights in district_weights.items():
        rows = np.flatnonzero(service == svc)
        district[rows] = codes[rng.choice(codes.size, size=rows.size, p=weights)]
    district[rng.random(n) < demo.UNKNOWN_DISTRICT_SHARE] = None
    ethnicity = demo._choice(rng, demo.ETHNICITY_SHARES["default"], n)
    return {"first": first, "service": service, "sex": sex, "birth": birth, "district": district,
            "ethnicity": ethnicity, "adult_type": adult_type}


def _episodes(rng: np.random.Generator, people: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each person's episodes, round by round with the demo's episode model, kept and censored
    for a 2015/16-2024/25 extract."""
    rounds = []
    person, triage = np.arange(people["first"].size), people["first"]
    for _ in range(demo.MAX_EPISODES_PER_PERSON):
        if person.size == 0:
            break
        drawn = demo._episode_round(rng, people, person, triage)
        rounds.append(drawn)
        nxt = drawn["next_triage"]
        again = ~np.isnat(nxt) & (nxt <= EXTRACT_DATE)
        person, triage = person[again], nxt[again]
    ep = {key: np.concatenate([r[key] for r in rounds]) for key in rounds[0] if key != "next_triage"}
    keep = ep["discharge"] >= KEEP_FROM
    ep = {key: value[keep] for key, value in ep.items()}
    still_open = ep["discharge"] > EXTRACT_DATE
    ep["discharge"] = np.where(still_open, np.datetime64("NaT", "D"), ep["discharge"])
    ep["reason"] = np.where(still_open, None, ep["reason"])
    return ep


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded identifiers, vectorised (``C0000042``)."""
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def _referrals(rng: np.random.Generator, ep: Mapping[str, np.ndarray], client_id: np.ndarray,
               episode_id: np.ndarray, first_referral: int) -> dict[str, np.ndarray]:
    """One referral before most episodes (demo shares and waits) and some that led to no episode."""
    n = episode_id.size
    linked = rng.random(n) < demo.REFERRAL_RECORDED_SHARE
    is_yp = ep["service"] == "young_people"
    wait_mean = np.where(is_yp, demo.REFERRAL_WAIT_MEAN_DAYS["young_people"], demo.REFERRAL_WAIT_MEAN_DAYS["adult"])
    wait = np.minimum(np.round(rng.exponential(wait_mean)).astype(int), demo.REFERRAL_WAIT_MAX_DAYS)
    group = np.where(is_yp, "young_people", np.where(ep["profile"] == "ocu", "ocu", "other")).astype(object)
    source = demo._choice_by_group(rng, group, demo.REFERRAL_SOURCES)
    m = int(round(linked.sum() * demo.UNLINKED_REFERRAL_SHARE))
    span = int((EXTRACT_DATE - KEEP_FROM).astype(int)) + 1
    unlinked_group = np.where(rng.random(m) < demo.UNLINKED_YP_SHARE, "young_people", "other").astype(object)
    dates = np.concatenate([(ep["triage"] - wait)[linked], KEEP_FROM + rng.integers(0, span, m)])
    clients = np.concatenate([client_id[linked], client_id[rng.integers(0, n, m)]])
    episodes = np.concatenate([episode_id[linked], np.full(m, None, dtype=object)])
    sources = np.concatenate([source[linked], demo._choice_by_group(rng, unlinked_group, demo.REFERRAL_SOURCES)])
    return {"referral_id": _ids("R", first_referral + np.arange(dates.size), 9), "client_id": clients,
            "referral_date": dates, "referral_source": sources, "episode_id": episodes,
            "service": np.full(dates.size, None, dtype=object)}  # not recorded, as in the demo: the episode's


def population_table(codes: np.ndarray, totals: np.ndarray) -> dict[str, np.ndarray]:
    """Single-year-of-age population by district, sex and year: the district's synthetic total x
    the demo's stated England age-sex structure, grown by the demo's yearly rate (vectorised)."""
    shares, ages = [], []
    band_total = sum(s for _, _, s, _ in demo.ENGLAND_AGE_STRUCTURE)
    for lo, hi, share, male in demo.ENGLAND_AGE_STRUCTURE:
        for age in range(lo, hi + 1):
            ages.append(age)
            shares.append((share / band_total / (hi - lo + 1) * male, share / band_total / (hi - lo + 1) * (1 - male)))
    sex_share = np.array(shares)  # (ages, 2)
    years = np.array(list(POPULATION_YEARS))
    growth = (1 + demo.POPULATION_GROWTH_PER_YEAR) ** (years - demo.POPULATION_BASE_YEAR)
    values = totals[:, None, None, None] * growth[None, :, None, None] * sex_share.T[None, None, :, :]
    d, y, s, a = np.meshgrid(np.arange(codes.size), years, np.array([0, 1]), np.array(ages), indexing="ij")
    return {"district_code": codes[d.ravel()], "year": y.ravel().astype(np.int64),
            "sex": np.array(["M", "F"], dtype=object)[s.ravel()], "age": a.ravel().astype(np.int64),
            "population": np.round(values.ravel()).astype(np.int64)}


def write_national(out_dir: Path, scale: float = 1.0, seed: int = SEED) -> dict[str, int]:
    """Write every contract table as ``<table>.parquet`` plus ``metadata.json`` into ``out_dir``;
    return the row counts."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    codes, names = read_districts()
    totals = np.maximum(rng.lognormal(np.log(MEAN_DISTRICT_POPULATION), DISTRICT_POPULATION_SIGMA, codes.size),
                        MIN_DISTRICT_POPULATION).round()
    weights = {}
    for svc in demo.SERVICES:
        w = totals * rng.lognormal(0.0, DISTRICT_RATE_SIGMA, codes.size)
        weights[svc] = w / w.sum()
    firsts = [_first_triages(rng, svc, scale) for svc in demo.SERVICES]
    first = np.concatenate(firsts)
    service = np.repeat(np.array(demo.SERVICES, dtype=object), [f.size for f in firsts])
    order = rng.permutation(first.size)  # mix services across chunks
    first, service = first[order], service[order]
    writers: dict[str, pq.ParquetWriter] = {}
    rows = {"episodes": 0, "substances": 0, "interventions": 0, "referrals": 0}
    pseudonyms = rng.permutation(first.size) + 1
    try:
        for start in range(0, first.size, CHUNK_PEOPLE):
            part = slice(start, start + CHUNK_PEOPLE)
            people = _people(rng, first[part], service[part], weights, codes)
            ep = _episodes(rng, people)
            p = ep["person"]
            n = p.size
            client_id = _ids("C", pseudonyms[part][p], 8)
            episode_id = _ids("E", rows["episodes"] + 1 + np.arange(n), 9)
            episodes = {
                "client_id": client_id, "episode_id": episode_id, "sex": people["sex"][p], "age_at_triage": ep["age"],
                "ethnicity": people["ethnicity"][p], "district_code": people["district"][p],
                "postcode_district": np.full(n, None, dtype=object), "ward_code": np.full(n, None, dtype=object),
                "service": ep["service"], "triage_date": ep["triage"], "discharge_date": ep["discharge"],
                "discharge_reason": ep["reason"], "accommodation_status": ep["accommodation"],
                "in_care": ep["in_care"], "injecting_status": ep["injecting"],
            }
            flat = ep["substances"].reshape(-1)
            present = flat != None  # noqa: E711 - elementwise on an object array
            substances = {"episode_id": np.repeat(episode_id, demo.MAX_SUBSTANCES)[present],
                          "rank": np.tile(np.arange(1, demo.MAX_SUBSTANCES + 1), n)[present],
                          "substance": flat[present]}
            tables = {"episodes": episodes, "substances": substances,
                      "interventions": demo._interventions(rng, ep, episode_id),
                      "referrals": _referrals(rng, ep, client_id, episode_id, rows["referrals"] + 1)}
            for name, columns in tables.items():
                table = demo.to_arrow(name, columns)
                if name not in writers:
                    writers[name] = pq.ParquetWriter(out_dir / f"{name}.parquet", table.schema, compression="zstd")
                writers[name].write_table(table)
                rows[name] += table.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    small = {"districts": {"district_code": codes, "district_name": names},
             "population": population_table(codes, totals),
             "prevalence": _prevalence(totals.sum())}
    for name, columns in small.items():
        table = demo.to_arrow(name, columns)
        pq.write_table(table, out_dir / f"{name}.parquet", compression="zstd")
        rows[name] = table.num_rows
    metadata = {
        "description": "synthetic national benchmark data: not real people, figures or populations",
        "complete_years": [f"{y}/{(y + 1) % 100:02d}" for y in range(FIRST_FY, LAST_FY + 1)],
        "population_approximate": True, "scale": scale, "seed": seed,
        "version": f"national benchmark scale {scale} seed {seed}", "rows": rows,
    }
    (out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return rows


def _prevalence(national_population: float) -> dict[str, np.ndarray]:
    """The demo's illustrative prevalence, scaled from its ~0.7m people to the national total."""
    table = demo.prevalence_table()
    factor = national_population / DEMO_POPULATION
    for column in ("estimate", "lower", "upper"):
        table[column] = np.round(table[column].astype(float) * factor, -1)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national (about 3 million episodes)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(json.dumps(write_national(args.out, args.scale, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
