"""Reading a CSV file of students: its encoding, delimiter, columns, and what each row means.

Spreadsheets export in whatever the creator's machine uses: UTF-8 with or without a BOM, UTF-16
(Excel's "Unicode text"), Windows-1252 / Latin-1, and comma, semicolon (locales where the comma is
the decimal mark) or tab. We detect both rather than ask, and refuse what is not a text table with
one clear sentence. Every problem in a row becomes a reason on that row's cell; nothing here raises
for a bad row.
"""

import csv
import io
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time

import charset_normalizer
from django.core.exceptions import ValidationError

from campaigns.bulk import consent
from campaigns.models.students import known_time_zones
from campaigns.names import name_problem
from campaigns.services import normalize_email

MAX_BYTES = 20 * 1024 * 1024

# (field, label, header spellings that mean it, compared without case, spaces or punctuation)
FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("email", "Email", ("email", "emailaddress", "mail", "courriel", "useremail", "studentemail")),
    ("first_name", "First name", ("firstname", "first", "givenname", "forename", "prenom", "name", "fullname")),
    ("last_name", "Last name", ("lastname", "last", "surname", "familyname", "nom")),
    ("time_zone", "Time zone", ("timezone", "tz", "zone", "timezonename")),
    (
        "marketing_consent",
        "Marketing consent",
        ("marketingconsent", "consent", "marketing", "optin", "acceptsmarketing", "newsletter", "emailconsent"),
    ),
    ("cohort", "Cohort", ("cohort", "group", "class", "batch")),
    ("starts_at", "Start date", ("startdate", "start", "startsat", "startson", "startedat", "enrolledon", "joined")),
    ("milestones", "Milestones reached", ("milestones", "milestonesreached", "milestonereached", "completed")),
]
FIELD_LABELS = {name: label for name, label, _ in FIELDS}

# What a spreadsheet runs as a formula when the cell is opened (CSV injection); a tab or a carriage
# return in front hides the same thing from a quick look.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NO = ("0", "false", "no", "n", "off")
_YES = ("1", "true", "yes", "y", "on")
_MILESTONE_SPLIT = re.compile(r"[;,|]")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
_BINARY_MAGIC = {
    b"PK\x03\x04": "This is a zip or Excel (.xlsx) file, not a CSV file: save it as CSV and upload that.",
    b"\xd0\xcf\x11\xe0": "This is an old Excel (.xls) file, not a CSV file: save it as CSV and upload that.",
    b"%PDF": "This is a PDF file, not a CSV file.",
    b"\x89PNG": "This is an image, not a CSV file.",
    b"\xff\xd8\xff": "This is an image, not a CSV file.",
}


class ImportFileError(ValueError):
    """The whole file cannot be imported (not a CSV, no email column, ...): one sentence for the person."""


@dataclass
class ParsedFile:
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[list[str]]  # every data row, the header excluded
    lines: list[int] = field(default_factory=list)  # each row's number in the file (header = 1)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    if not data.strip():
        raise ImportFileError("The file is empty.")
    for magic, message in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise ImportFileError(message)
    # A byte-order mark says it outright; then strict UTF-8 (what most tools write) before guessing.
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _guess_single_byte(data)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        raise ImportFileError(f"The file could not be read as {encoding}: save it as UTF-8 CSV.") from None


def _guess_single_byte(data: bytes) -> str:
    """charset-normalizer's guess, preferring what spreadsheets write when it cannot tell.

    A short file of names with a few accents reads about as well in a dozen code pages (DOS cp775 as
    well as Windows-1252); among the guesses about as clean as the best, the cleanest Windows code page
    (what spreadsheets save in) wins, Windows-1252 on a tie (it is Latin-1 plus the curly quotes and € that
    Excel writes). A real Polish or Czech file stays cp1250: "ł" read as cp1252 is "³", far less clean.
    """
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        raise ImportFileError("This does not look like a text (CSV) file: its encoding could not be recognised.")
    best = matches[0]
    preference = ("cp1252", "cp1250", "cp1251", "cp1257", "cp1254", "cp1253", "cp1255", "cp1256", "cp1258")
    windows = [
        (m.chaos, preference.index(wanted), wanted)
        for m in matches
        if m.chaos <= best.chaos + 0.05
        for wanted in preference
        if wanted in m.could_be_from_charset
    ]
    if windows:
        return min(windows)[2]
    return best.encoding


def sniff_delimiter(text: str) -> str:
    sample = text[: 64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        # The sniffer gives up on irregular samples; the header line's most frequent candidate wins.
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def parse(data: bytes) -> ParsedFile:
    text, encoding = decode(data)
    if "\x00" in text:
        raise ImportFileError("This does not look like a text (CSV) file: it holds binary data.")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ImportFileError(f"The file is not a well-formed CSV file (line {reader.line_num}: {exc}).") from None
    if header is None:
        raise ImportFileError("The file is empty.")
    return ParsedFile(encoding=encoding, delimiter=delimiter, header=header, rows=rows, lines=lines)


def _key(header: str) -> str:
    return re.sub(r"[\W_]+", "", header.casefold())


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Field -> column index, from the header's names; each column used once, exact spellings first."""
    keys = [_key(h) for h in header]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for name, _, spellings in FIELDS:
        for spelling in spellings:
            index = next((i for i, k in enumerate(keys) if k == spelling and i not in used), None)
            if index is None:  # "E-mail address (work)" still says email
                index = next(
                    (i for i, k in enumerate(keys) if len(spelling) > 3 and spelling in k and i not in used), None
                )
            if index is not None:
                mapping[name] = index
                used.add(index)
                break
    return mapping


def clean_mapping(raw: dict, width: int) -> dict[str, int]:
    """A mapping from a form or the database, keeping only known fields and existing columns."""
    mapping = {}
    for name in FIELD_LABELS:
        value = raw.get(name)
        if value in (None, ""):
            continue
        index = int(value)
        if 0 <= index < width:
            mapping[name] = index
    return mapping


@dataclass
class Milestones:
    """The program's milestones by slug and by title, any case."""

    by_key: dict[str, int]
    names: str

    @classmethod
    def of(cls, program) -> "Milestones":
        by_key = {}
        for m in program.ordered_milestones:
            by_key[m.slug.casefold()] = m.pk
            by_key[m.title.casefold()] = m.pk
        return cls(by_key=by_key, names=", ".join(m.slug for m in program.ordered_milestones) or "none")


def _start(value: str, time_zone: str) -> datetime:
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    else:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (write it as YYYY-MM-DD, e.g. 2026-03-01).") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(time_zone or "UTC"))
        return moment
    return _midnight(day, time_zone)


def _midnight(day: date, time_zone: str) -> datetime:
    # A start date means that day in the student's own time zone (UTC when the file gives none).
    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(time_zone or "UTC"))


def read_row(cells: list[str], mapping: dict[str, int], milestones: Milestones) -> tuple[dict, dict[str, str]]:
    """One row's person (the keys ``bulk.enroll_chunk`` takes, plus ``milestone_ids``) and its problems by field.

    ``marketing_consent`` is True, False or None ("not said"); names and cohort are "" when not given.
    """
    values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in mapping.items()}
    errors: dict[str, str] = {}
    person: dict = {}
    for name, i in mapping.items():
        raw = cells[i].lstrip(" ") if i < len(cells) else ""
        if raw.startswith(FORMULA_STARTS):
            errors[name] = f"{raw[:40]!r} starts with {raw[:1]!r}: it looks like a spreadsheet formula."
    raw_email = values.get("email", "")
    if "email" not in errors:
        if not raw_email:
            errors["email"] = "No email address."
        else:
            try:
                person["email"] = normalize_email(raw_email)
            except ValidationError:
                errors["email"] = f"{raw_email[:80]!r} is not a valid email address."
    for name in ("first_name", "last_name"):
        value = " ".join(values.get(name, "").split())
        if name in errors:
            continue
        if len(value) > 100:
            errors[name] = "Longer than 100 characters."
        elif problem := name_problem(value):
            errors[name] = problem
        else:
            person[name] = value
    time_zone = values.get("time_zone", "")
    if time_zone and "time_zone" not in errors:
        if time_zone in known_time_zones():
            person["time_zone"] = time_zone
        else:
            errors["time_zone"] = f"{time_zone[:64]!r} is not a known time zone (use a name like Europe/Paris)."
    said = values.get("marketing_consent", "").lower()
    if "marketing_consent" not in errors:
        if not said:
            person["marketing_consent"] = None
        elif said in _YES or said in _NO:
            person["marketing_consent"] = consent(said)
        else:
            errors["marketing_consent"] = f"{said[:40]!r} is neither yes nor no."
    cohort = values.get("cohort", "")
    if cohort and "cohort" not in errors:
        if len(cohort) > 60:
            errors["cohort"] = "A cohort name is at most 60 characters."
        else:
            person["cohort"] = cohort
    start = values.get("starts_at", "")
    if start and "starts_at" not in errors:
        try:
            person["starts_at"] = _start(start, person.get("time_zone", ""))
        except ValueError as exc:
            errors["starts_at"] = str(exc)
    reached = values.get("milestones", "")
    if reached and "milestones" not in errors:
        ids, unknown = [], []
        for part in _MILESTONE_SPLIT.split(reached):
            if part.strip():
                pk = milestones.by_key.get(part.strip().casefold())
                (ids.append(pk) if pk else unknown.append(part.strip()))
        if unknown:
            errors["milestones"] = (
                f"Not a milestone of this program: {', '.join(unknown)[:80]} (its milestones: {milestones.names})."
            )
        else:
            person["milestone_ids"] = list(dict.fromkeys(ids))
    return person, errors


def describe(errors: dict[str, str]) -> str:
    """A row's problems as one line, each named by its column."""
    return "; ".join(f"{FIELD_LABELS[name]}: {message}" for name, message in errors.items())


def neutralise(cell: str) -> str:
    """A cell safe to open in a spreadsheet: a leading quote makes a formula plain text (OWASP's advice)."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell
