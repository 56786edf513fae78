"""Draw the surrogate identifiers the clinical gold set inserts, and the sentences that carry them.

Names and places come from the PhysioNet deid lists (GPL), read here at run time and never copied;
dates, numbers, addresses and the like are made up. Every draw comes from the caller's seeded
``random.Random``, so one seed always gives the same surrogates.
"""

import random
from dataclasses import dataclass
from pathlib import Path

from chartdraft.domain.phi import PhiType


@dataclass(frozen=True)
class Carrier:
    """A carrier sentence (or phrase) with ``{PLACEHOLDER}`` slots, filed under its lead type."""

    template: str
    lead: PhiType


# Varied on purpose: many carriers have no cue word ("MRN", "Dr.") before the identifier.
_CARRIER_TEXT: dict[PhiType, str] = {
    PhiType.NAME: """
        Mr. {LAST} is a 54-year-old man seen today.
        Ms. {LAST} returns for follow-up.
        {FIRST} {LAST} presents with the above concerns.
        Her daughter {FIRST} was present for the visit.
        Discussed with Dr. {LAST}.
        Seen with his wife, {FIRST}.
        {FIRST} reports feeling better since the last visit.
        Patient: {LAST}, {FIRST}
        Case reviewed with {FIRST} {LAST}, NP.
        Her husband {FIRST} {LAST} drove her in today.
        Referred by Dr. {FIRST} {LAST}.
        I spoke with {FIRST} on the phone about the results.
        Signed: {FIRST} {LAST}, MD
        Her son, {FIRST}, helps with her medications.
        cc: Dr. {LAST}
        The interpreter, {FIRST}, assisted throughout.
        Mrs. {FIRST} {LAST} is here with her sister {FIRST}.
        {LAST} was counseled on diet and exercise.
        Physical therapy with {FIRST} twice a week.""",
    PhiType.DATE: """
        DOB: {DATE}
        Seen on {DATE}.
        Follow up {DATE}.
        Last colonoscopy was {DATE}.
        Admitted {DATE} and discharged {DATE}.
        Labs drawn {DATE} were unremarkable.
        Next appointment: {DATE} at 10:30.
        Date of service {DATE}
        Symptoms started on {DATE}.
        Her last menstrual period was {DATE}.
        Surgery is scheduled for {DATE}.
        MRI {DATE} showed no change.""",
    PhiType.MRN: """
        MRN: {MRN}
        Medical record #{MRN}
        MRN {MRN}.
        Chart number {MRN}
        Record no. {MRN}
        Patient ID {MRN}""",
    PhiType.PHONE: """
        Call {PHONE} with questions.
        Fax: {PHONE}
        Daughter's cell {PHONE}.
        Contact number {PHONE} ext. {EXT}.
        Clinic phone {PHONE}.
        She can be reached at {PHONE}.""",
    PhiType.EMAIL: """
        email {EMAIL}
        Results sent to {EMAIL}.
        Preferred contact: {EMAIL}
        He asked that we write to {EMAIL} instead.""",
    PhiType.LOCATION: """
        Lives at {STREET}, {CITY}, {STATE} {ZIP}.
        Transferred from {FACILITY}.
        Home address {STREET}, {CITY} {ZIP}
        Works in {CITY}.
        Previously followed at {FACILITY}.
        She moved here from {CITY} last year.
        Mailing address: {STREET}, {CITY}, {STATE} {ZIP}
        Imaging was done at {FACILITY}.""",
    PhiType.SSN: """
        SSN {SSN}
        Social security number {SSN}.
        SS# {SSN}
        Identity confirmed with {SSN}.""",
    PhiType.ID: """
        Member ID: {ID}
        Insurance policy number {ID}.
        Driver's license {ID}.
        Medicaid ID {ID}
        Account number {ID}.
        Pacemaker serial number {ID}.""",
    PhiType.URL: """
        Instructions are on the portal at {URL}.
        See {URL} for the exercise program.
        She keeps a symptom blog at {URL}.""",
    PhiType.IP: """
        Video visit logged in from {IP}.
        Portal access from IP {IP}.
        Connection from {IP} dropped twice.""",
    PhiType.AGE: """
        She is a {AGE}-year-old woman.
        age {AGE}
        The patient, aged {AGE}, lives alone.
        {AGE} y/o male with dizziness.
        His mother died at {AGE}.
        He turned {AGE} last month.""",
}
_INLINE_TEXT = """
    , per Dr. {LAST}
    , as discussed with {FIRST} {LAST}
    with her son {FIRST}
    (seen {DATE})
    on {DATE}
    at {FACILITY}
    , MRN {MRN}"""
CARRIERS = tuple(
    Carrier(line.strip(), lead)
    for lead, text in _CARRIER_TEXT.items()
    for line in text.strip().splitlines()
)
INLINE_CARRIERS = tuple(
    Carrier(line.strip(), PhiType.NAME) for line in _INLINE_TEXT.strip().splitlines()
)
# Names and dates are the commonest identifiers in notes, so they get more carriers.
TYPE_WEIGHTS: dict[PhiType, float] = {
    PhiType.NAME: 5, PhiType.DATE: 4, PhiType.LOCATION: 1.5,
    **dict.fromkeys((PhiType.AGE, PhiType.PHONE, PhiType.EMAIL, PhiType.SSN, PhiType.MRN,
                     PhiType.ID, PhiType.URL, PhiType.IP), 1.0),
}  # fmt: skip


def pick_carrier(rng: random.Random) -> Carrier:
    """Return a random carrier sentence, its lead type drawn by ``TYPE_WEIGHTS``."""
    types = list(TYPE_WEIGHTS)
    wanted = rng.choices(types, weights=[TYPE_WEIGHTS[t] for t in types])[0]
    return rng.choice([c for c in CARRIERS if c.lead is wanted])


def read_list(path: Path) -> list[str]:
    """Return the non-empty lines of a word list."""
    return [
        line.strip() for line in path.read_text(encoding="latin-1").splitlines() if line.strip()
    ]


_MONTHS = ("January February March April May June July August September October November"
           " December").split()  # fmt: skip
_DATE_FORMATS = (
    "{m:02d}/{d:02d}/{y}", "{m}/{d}/{yy:02d}", "{y}-{m:02d}-{d:02d}", "{M} {d}, {y}", "{Mon} {d}",
    "{d} {M} {y}", "{M} {d}{th}", "{d:02d}-{Mon}-{y}", "{d}{th} of {M}", "{m}/{d}",
)  # fmt: skip
_STREETS = "Street St. Avenue Ave Road Rd Drive Lane Ln Boulevard Blvd Court Way Place".split()
_DOMAINS = "gmail.com yahoo.com outlook.com comcast.net icloud.com aol.com".split()


class Surrogates:
    """Draws fake identifiers: names and places from the PhysioNet lists, the rest made up."""

    def __init__(self, lists: dict[str, list[str]]) -> None:
        """Keep the word lists (title-cased) and the set of ambiguous names."""
        self.lists = lists
        self.ambiguous = frozenset(lists["first-ambig"] + lists["last-ambig"])

    @classmethod
    def from_lists(cls, lists_dir: Path) -> "Surrogates":
        """Read the PhysioNet deid lists (first names, last names, places) from ``lists_dir``."""
        d = lists_dir / "lists"

        def names(*files: str) -> list[str]:
            words = [w.title() for f in files for w in read_list(d / f)]
            return sorted({w for w in words if len(w) >= 3 and w.replace("'", "").isalpha()})

        return cls({
            "first-popular": names("female_names_popular.txt", "male_names_popular.txt"),
            "first-unambig": names("female_names_unambig.txt", "male_names_unambig.txt"),
            "first-ambig": names("female_names_ambig.txt", "male_names_ambig.txt"),
            "last-popular": names("last_names_popular.txt"),
            "last-unambig": names("last_names_unambig.txt"),
            "last-ambig": names("last_names_ambig.txt"),
            "city": sorted({w.title() for w in read_list(d / "locations_unambig.txt")}),
            "state": read_list(d / "us_states_abbre.txt")
            + [s.title() for s in read_list(d / "us_states.txt")],
            "area": read_list(d / "us_area_code.txt"),
        })  # fmt: skip

    def fill(self, key: str, rng: random.Random) -> tuple[str, PhiType | None, bool]:
        """Return a value for placeholder ``key``, its gold type (None: not gold), ambiguity."""
        if key in {"FIRST", "LAST"}:
            # Popular, rare and ambiguous ("Will", "Rose", "Young") names at about 4:4:2.
            kind = rng.choices(["popular", "unambig", "ambig"], weights=[4, 4, 2])[0]
            name = rng.choice(self.lists[f"{key.lower()}-{kind}"])
            return name, PhiType.NAME, name in self.ambiguous
        if key in {"STATE", "EXT"}:
            # A state is no identifier under Safe Harbor; an extension is part of the phone.
            value = rng.choice(self.lists["state"]) if key == "STATE" else str(rng.randint(2, 4999))
            return value, None, False
        phi_type, make = _MAKERS[key]
        return make(self, rng), phi_type, False

    def name(self, rng: random.Random, key: str = "LAST") -> str:
        """Return a surrogate first or last name."""
        return self.fill(key, rng)[0]


def _date(_: Surrogates, rng: random.Random) -> str:
    y, m, d = rng.randint(1930, 2026), rng.randint(1, 12), rng.randint(1, 28)
    th = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(d, "th")
    month = _MONTHS[m - 1]
    return rng.choice(_DATE_FORMATS).format(
        y=y, yy=y % 100, m=m, d=d, M=month, Mon=month[:3], th=th
    )


def _mrn(_: Surrogates, rng: random.Random) -> str:
    digits = "".join(rng.choices("0123456789", k=rng.randint(6, 10)))
    return rng.choice([digits, digits, f"MR{digits}", f"{rng.choice('ABCEHKMZ')}{digits}"])


def _phone(s: Surrogates, rng: random.Random) -> str:
    a, e, n = rng.choice(s.lists["area"]), rng.randint(200, 999), rng.randint(0, 9999)
    forms = (f"({a}) {e}-{n:04d}", f"{a}-{e}-{n:04d}", f"{a}.{e}.{n:04d}", f"+1 {a} {e} {n:04d}")
    return rng.choice(forms)


def _email(s: Surrogates, rng: random.Random) -> str:
    first, last = s.name(rng, "FIRST").lower(), s.name(rng).lower()
    user = rng.choice([f"{first}.{last}", f"{first[0]}{last}{rng.randint(1, 99)}", last])
    return f"{user}@{rng.choice(_DOMAINS)}"


def _street(s: Surrogates, rng: random.Random) -> str:
    street = f"{rng.randint(1, 9999)} {s.name(rng)} {rng.choice(_STREETS)}"
    return street + rng.choice(["", "", f", Apt {rng.randint(1, 40)}{rng.choice('ABCD')}"])


def _city(s: Surrogates, rng: random.Random) -> str:
    return rng.choice(s.lists["city"])


def _zip(_: Surrogates, rng: random.Random) -> str:
    code = f"{rng.randint(1001, 99950):05d}"
    return code if rng.random() < 0.8 else f"{code}-{rng.randint(1, 9999):04d}"


def _facility(s: Surrogates, rng: random.Random) -> str:
    return rng.choice([
        f"{s.name(rng)} Memorial Hospital", f"St. {s.name(rng, 'FIRST')} Medical Center",
        f"{_city(s, rng)} Family Clinic", f"{_city(s, rng)} General Hospital",
    ])  # fmt: skip


def _ssn(_: Surrogates, rng: random.Random) -> str:
    area, group, serial = rng.choice([rng.randint(1, 665), rng.randint(667, 899)]), rng.randint(
        1, 99), rng.randint(1, 9999)  # fmt: skip
    sep = rng.choice(["-", "-", "-", " ", ""])
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


def _plan_id(_: Surrogates, rng: random.Random) -> str:
    letters = "".join(rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ", k=rng.randint(1, 3)))
    digits = "".join(rng.choices("0123456789", k=rng.randint(7, 11)))
    return rng.choice([letters + digits, f"{letters}{digits[:4]}-{digits[4:]}", digits])


def _url(s: Surrogates, rng: random.Random) -> str:
    town = _city(s, rng).lower().replace(" ", "")
    host = rng.choice([f"www.{s.name(rng).lower()}health.org", f"mychart.{town}.org"])
    path = rng.choice(["", "", f"/patient/{rng.randint(1000, 99999)}"])
    return rng.choice(["https://", "https://", "http://", ""]) + host + path


def _ip(_: Surrogates, rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _age(_: Surrogates, rng: random.Random) -> str:
    return str(rng.randint(90, 109))


_MAKERS = {
    "DATE": (PhiType.DATE, _date), "MRN": (PhiType.MRN, _mrn), "PHONE": (PhiType.PHONE, _phone),
    "EMAIL": (PhiType.EMAIL, _email), "STREET": (PhiType.LOCATION, _street),
    "CITY": (PhiType.LOCATION, _city), "ZIP": (PhiType.LOCATION, _zip),
    "FACILITY": (PhiType.LOCATION, _facility), "SSN": (PhiType.SSN, _ssn),
    "ID": (PhiType.ID, _plan_id), "URL": (PhiType.URL, _url), "IP": (PhiType.IP, _ip),
    "AGE": (PhiType.AGE, _age),
}  # fmt: skip
