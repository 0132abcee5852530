"""Where the sandbox's own parties live: the jurisdiction J it generates for.

The volume (``scale``) is J's whatever J is: ``scale=1.0`` is Jinan's real volume, so a
province at scale 10 has about ten times Jinan's records (the issue's 1,000,000 patents). What J
changes is where the parties of J sit and who counts as outside:

- ``3701`` (the default) is exactly the sandbox as it always was: Jinan's 13 districts with the
  weights of ``vocabulary.JINAN_DISTRICT_WEIGHTS``, the other Shandong cities outside.
- A province (``37``) spreads its parties over its cities by ``vocabulary.SHANDONG_CITIES``
  (GDP; Qingdao and Jinan the largest) and within a city over its county-level regions (Jinan by
  its own weights, other cities by region kind); outside parties are those beyond the province.
- Another city (``3702``) is that city alone, with its districts from the hierarchy seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from devtools.sandbox import vocabulary as vocab

JINAN = "3701"


@dataclass(frozen=True)
class City:
    code: str  # 4 digits
    short_name: str  # 青岛 for 青岛市
    weight: float  # share of J's volume
    census_population: int
    districts: tuple[str, ...]
    district_weights: tuple[float, ...]  # within the city


@dataclass(frozen=True)
class Territory:
    code: str
    cities: tuple[City, ...]
    district_codes: tuple[str, ...]  # every county-level region of J a party may sit in
    district_weights: tuple[float, ...]
    univ_inst: tuple[tuple[str, str, str], ...]  # (name, party_type, region) of J's own
    outside_univ_inst: tuple[tuple[str, str, str], ...]
    outside_codes: tuple[str, ...]  # region codes of Chinese parties outside J

    def contains(self, region: object) -> bool:
        return isinstance(region, str) and region.startswith(self.code)

    @property
    def registry_code(self) -> str:
        """The 6-digit code in J's contract registration numbers (370100 for Jinan)."""
        return self.code.ljust(6, "0") if self.code != JINAN else "370100"

    def name_prefixes(self, region: str) -> tuple[str, ...]:
        """The place names an enterprise of ``region`` is called after."""
        if region.startswith(JINAN):
            return vocab.CITY_PREFIXES
        short = next((c.short_name for c in self.cities if region.startswith(c.code)), "山东")
        return (short, "山东", short, "山东省", f"{short}高新区")


def _cities_below(code: str) -> tuple[City, ...]:
    rows = vocab.load_regions()
    names = {r["region_code"]: r["name_zh"] for r in rows}
    sizes = {city: (gdp, people) for city, gdp, people in vocab.SHANDONG_CITIES}
    city_codes = [r["region_code"] for r in rows if len(r["region_code"]) == 4
                  and r["region_code"].startswith(code[:4])]
    if not city_codes:
        raise ValueError(f"the sandbox cannot generate for {code!r}: no city of the region "
                         "hierarchy (dbt_project/seeds/regions.csv) lies in it")
    total = sum(sizes.get(c, (1, 0))[0] for c in city_codes)
    cities = []
    for city in city_codes:
        if city == JINAN:
            districts, weights = vocab.JINAN_DISTRICTS, vocab.JINAN_DISTRICT_WEIGHTS
        else:
            own = [r for r in rows if len(r["region_code"]) == 6 and r["parent_code"] == city]
            districts = tuple(r["region_code"] for r in own)
            weights = tuple(vocab.KIND_WEIGHTS.get(r["kind"], 1.0) for r in own)
        gdp, people = sizes.get(city, (1, 0))
        cities.append(City(city, names[city].removesuffix("市"), gdp / total, people,
                           tuple(districts), tuple(weights)))
    return tuple(cities)


@cache
def territory(code: str = JINAN) -> Territory:
    """The territory the sandbox generates for J (a province or a city code)."""
    if len(code) not in (2, 4):
        raise ValueError(f"the sandbox generates for a province or a city, not {code!r}")
    everyone = vocab.JINAN_UNIV_INST + vocab.OTHER_UNIV_INST + vocab.SHANDONG_UNIV_INST
    outside_codes = tuple(c for c in vocab.OTHER_PROVINCE_CODES if not c.startswith(code))
    if code == JINAN:  # the sandbox as it always was, byte for byte
        city = _cities_below(JINAN)[0]
        return Territory(JINAN, (city,), vocab.JINAN_DISTRICTS, vocab.JINAN_DISTRICT_WEIGHTS,
                         vocab.JINAN_UNIV_INST, vocab.OTHER_UNIV_INST, outside_codes)
    cities = _cities_below(code)
    codes, weights = [], []
    for city in cities:
        within = sum(city.district_weights)
        codes += city.districts
        weights += [city.weight * w / within for w in city.district_weights]
    return Territory(code, cities, tuple(codes), tuple(weights),
                     tuple(u for u in everyone if u[2].startswith(code)),
                     tuple(u for u in vocab.OTHER_UNIV_INST if not u[2].startswith(code)),
                     outside_codes)
