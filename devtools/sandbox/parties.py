"""The population of parties (applicants, owners, sellers, pledgors …) the sandbox draws from.

A party is the contract's ``party`` object. Party objects are shared between the records that
mention them (memory at scale 1.0); consumers must treat records as read-only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from devtools.sandbox import vocabulary as vocab
from devtools.sandbox.identifiers import make_uscc
from devtools.sandbox.territory import JINAN, Territory, territory

Party = dict[str, object]
_ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _party(name: str, uscc: str | None, party_type: str, region: str | None,
           country: str = "CN") -> Party:
    return {"name": name, "uscc": uscc, "party_type": party_type, "region_code": region,
            "country": country}


@dataclass
class PartyPool:
    """Parties grouped by the role they play in the indicators (of the jurisdiction J or not,
    kind); ``territory`` says where J is."""

    territory: Territory = field(default_factory=territory)
    home_univ_inst: list[Party] = field(default_factory=list)
    home_enterprises: list[Party] = field(default_factory=list)
    home_individuals: list[Party] = field(default_factory=list)
    home_misc: list[Party] = field(default_factory=list)  # government, other, unlisted codes
    outside_parties: list[Party] = field(default_factory=list)  # Chinese regions outside J
    foreign_parties: list[Party] = field(default_factory=list)
    unknown_region: list[Party] = field(default_factory=list)  # CN party without a region code

    def organizations(self) -> list[Party]:
        """Every party with a USCC, in a stable order (for the organisations snapshot)."""
        groups = (self.home_univ_inst, self.home_enterprises, self.home_misc,
                  self.outside_parties)
        return [p for group in groups for p in group if p["uscc"]]

    def is_home(self, party: Party) -> bool:
        """A party of J (its region code starts with J's)."""
        return self.territory.contains(party["region_code"])

    def home_party(self, rng: random.Random) -> Party:
        """A party of J with the mix of kinds seen among Jinan applicants."""
        draw = rng.random()
        if draw < 0.22:
            return rng.choice(self.home_univ_inst)
        if draw < 0.82:
            return rng.choice(self.home_enterprises)
        if draw < 0.96:
            return rng.choice(self.home_individuals)
        return rng.choice(self.home_misc)

    def outside_party(self, rng: random.Random) -> Party:
        draw = rng.random()
        if draw < 0.72:
            return rng.choice(self.outside_parties)
        if draw < 0.95:
            return rng.choice(self.foreign_parties)
        return rng.choice(self.unknown_region)

    def any_party(self, rng: random.Random, home_share: float = 0.8) -> Party:
        return self.home_party(rng) if rng.random() < home_share else self.outside_party(rng)


class _UsccFactory:
    """Unique, check-digit-valid USCCs."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def make(self, authority: str, region: str) -> str:
        while True:
            body = "".join(self._rng.choice(_ORG_CODE_CHARS) for _ in range(8))
            if authority == "91":
                body = "MA" + body[2:]  # post-2015 enterprise registrations start with MA
            uscc = make_uscc(authority, region, body)
            if uscc not in self._seen:
                self._seen.add(uscc)
                return uscc


def _unique_name(rng: random.Random, seen: set[str], make) -> str:
    for _attempt in range(50):
        name = make()
        if name not in seen:
            seen.add(name)
            return name
    name = f"{make()}{len(seen)}"
    seen.add(name)
    return name


def _company_name(rng: random.Random, prefix: str) -> str:
    brand = rng.choice(vocab.BRAND_SYLLABLES) + rng.choice(vocab.BRAND_SYLLABLES)
    industry, suffix = rng.choice(vocab.INDUSTRY_WORDS), rng.choice(vocab.COMPANY_SUFFIXES)
    if industry.endswith("科技") and suffix.startswith("科技"):
        suffix = suffix.removeprefix("科技")
    return f"{prefix}{brand}{industry}{suffix}"


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(vocab.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(vocab.SURNAMES) + given


def build_party_pool(rng: random.Random, scale: float, jurisdiction: str = JINAN) -> PartyPool:
    """Create every party once; the counts grow with ``scale`` (Jinan's volume at 1.0), spread
    over the territory of ``jurisdiction`` (``territory``)."""
    land = territory(jurisdiction)
    pool = PartyPool(territory=land)
    usccs = _UsccFactory(rng)
    names: set[str] = set()
    for name, party_type, region in land.univ_inst:
        names.add(name)
        pool.home_univ_inst.append(_party(name, usccs.make("12", region[:2] + "0000"),
                                          party_type, region))
    n_enterprises = max(80, int(16000 * scale))
    for _ in range(n_enterprises):
        region = rng.choices(land.district_codes, land.district_weights)[0]
        prefixes = land.name_prefixes(region)
        name = _unique_name(rng, names, lambda p=prefixes: _company_name(rng, rng.choice(p)))
        pool.home_enterprises.append(_party(name, usccs.make("91", region), "enterprise", region))
    for _ in range(max(40, int(9000 * scale))):
        region = rng.choices(land.district_codes, land.district_weights)[0]
        pool.home_individuals.append(_party(_person_name(rng), None, "individual", region))
    if land.contains(JINAN):
        _add_jinan_misc(rng, pool, usccs, names)
    for city in land.cities:
        if city.code != JINAN:  # a well-formed code the hierarchy does not list
            unlisted = f"{city.code}99"
            name = _unique_name(rng, names, lambda c=city: _company_name(rng, c.short_name))
            pool.home_misc.append(_party(name, usccs.make("91", unlisted), "enterprise",
                                         unlisted))
    for name, party_type, region in land.outside_univ_inst:
        names.add(name)
        pool.outside_parties.append(_party(name, usccs.make("12", region[:2] + "0000"),
                                           party_type, region))
    for _ in range(max(40, int(5000 * scale))):
        region = rng.choice(land.outside_codes)
        prefix = {"37": "山东", "11": "北京", "31": "上海", "44": "深圳", "32": "苏州",
                  "33": "杭州", "42": "武汉", "51": "成都"}[region[:2]]
        name = _unique_name(rng, names, lambda p=prefix: _company_name(rng, p))
        pool.outside_parties.append(_party(name, usccs.make("91", region), "enterprise", region))
    for _ in range(max(5, int(400 * scale))):
        region = rng.choice(land.outside_codes)
        pool.outside_parties.append(_party(_person_name(rng), None, "individual", region))
    for name, country in vocab.FOREIGN_ORGS:
        pool.foreign_parties.append(_party(name, None, "enterprise", None, country))
    pool.foreign_parties.append(_party("Kim Min-jun", None, "individual", None, "KR"))
    pool.foreign_parties.append(_party("University of Tokyo", None, "university", None, "JP"))
    for _ in range(3):
        name = _unique_name(rng, names, lambda: _company_name(rng, ""))
        pool.unknown_region.append(_party(name, None, "enterprise", None))
    return pool


def _add_jinan_misc(rng: random.Random, pool: PartyPool, usccs: _UsccFactory,
                    names: set[str]) -> None:
    """Jinan's government bodies, associations and parties with 3701xx codes outside the 13."""
    for name, region in vocab.GOVERNMENT_ORGS:
        names.add(name)
        pool.home_misc.append(_party(name, usccs.make("11", region), "government", region))
    for label in ("济南市历城区农业技术推广协会", "济南章丘大葱种植专业合作社"):
        names.add(label)
        pool.home_misc.append(_party(label, usccs.make("51", "370112"), "other", "370112"))
    for region in vocab.JINAN_OTHER_CODES:
        name = _unique_name(rng, names, lambda: _company_name(rng, "济南"))
        pool.home_misc.append(_party(name, usccs.make("91", region), "enterprise", region))
        pool.home_misc.append(_party(_person_name(rng), None, "individual", region))
