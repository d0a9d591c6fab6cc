"""Reader for the Curtois & Qu shift-scheduling instances and their roster CSV files.

The format is described in ``shared/benchmarks/shift-scheduling/FORMAT.md``. An instance maps
onto the core model like this: no pay, no roles, no agency; the cover line's requirement is
the preferred number (minimum 0) with its under/over weights; fixed days off are
"unavailable" days.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from .model import Contract, Cover, Problem, ProblemError, Request, Roster, ShiftType, Staff

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
DAY_OFF_REASON = "fixed day off"


class InstanceError(ValueError):
    """An instance file is malformed; the message names the file, the line and the problem."""


def read_instance(path: str | Path) -> Problem:
    """Parse an instance file into a Problem (raises InstanceError on bad input)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot read the file ({exc})") from exc
    return parse_instance(text, name=path.stem, source=str(path))


def parse_instance(text: str, name: str = "", source: str = "<text>") -> Problem:
    """Parse instance text; ``source`` is used in error messages."""
    lines: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in SECTIONS}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in lines:
                raise InstanceError(f"{source} line {number}: unknown section {line!r}")
            current = line
            continue
        if current is None:
            raise InstanceError(f"{source} line {number}: data before the first SECTION_ line")
        lines[current].append((number, line.split(",")))

    def fail(number: int, message: str) -> InstanceError:
        return InstanceError(f"{source} line {number}: {message}")

    def integer(number: int, value: str, what: str) -> int:
        try:
            result = int(value)
        except ValueError:
            raise fail(number, f"{what} must be a whole number, got {value!r}") from None
        if result < 0:
            raise fail(number, f"{what} must not be negative, got {result}")
        return result

    def fields(number: int, row: list[str], count: int, layout: str) -> list[str]:
        if len(row) != count:
            raise fail(number, f"expected {count} fields ({layout}), got {len(row)}")
        return row

    if len(lines["SECTION_HORIZON"]) != 1:
        raise InstanceError(f"{source}: SECTION_HORIZON must hold exactly one line")
    number, row = lines["SECTION_HORIZON"][0]
    days = integer(number, fields(number, row, 1, "days")[0], "the horizon")
    if days < 1:
        raise fail(number, "the horizon must be at least one day")

    shift_rows: list[tuple[int, str, int, list[str]]] = []
    for number, row in lines["SECTION_SHIFTS"]:
        sid, length, cannot = fields(number, row, 3, "ShiftID,Length,CannotFollow")
        if not sid:
            raise fail(number, "empty shift id")
        shift_rows.append(
            (
                number,
                sid,
                integer(number, length, "shift length"),
                [c for c in cannot.split("|") if c],
            )
        )
    shift_ids = {r[1] for r in shift_rows}
    if not shift_rows:
        raise InstanceError(f"{source}: SECTION_SHIFTS has no shift types")

    def shift(number: int, sid: str) -> str:
        if sid not in shift_ids:
            raise fail(number, f"unknown shift id {sid!r}")
        return sid

    def day(number: int, value: str) -> int:
        d = integer(number, value, "day")
        if d >= days:
            raise fail(number, f"day {d} is outside the horizon 0..{days - 1}")
        return d

    shift_types = tuple(
        ShiftType(id=sid, minutes=length, forbidden_next=frozenset(shift(n, c) for c in cannot))
        for n, sid, length, cannot in shift_rows
    )

    staff_rows: dict[str, tuple[int, Contract]] = {}
    layout = "ID,MaxShifts,MaxMin,MinMin,MaxCons,MinCons,MinDaysOff,MaxWeekends"
    for number, row in lines["SECTION_STAFF"]:
        sid, max_shifts, max_min, min_min, max_cons, min_cons, min_off, max_wk = fields(
            number, row, 8, layout
        )
        if sid in staff_rows:
            raise fail(number, f"employee {sid!r} appears twice")
        limits: dict[str, int] = {}
        for pair in filter(None, max_shifts.split("|")):
            key, sep, value = pair.partition("=")
            if not sep:
                raise fail(number, f"MaxShifts entry {pair!r} must look like ShiftID=limit")
            limits[shift(number, key)] = integer(number, value, f"MaxShifts for {key}")
        contract = Contract(
            min_minutes=integer(number, min_min, "MinTotalMinutes"),
            max_minutes=integer(number, max_min, "MaxTotalMinutes"),
            max_shifts=limits,
            max_consecutive_shifts=integer(number, max_cons, "MaxConsecutiveShifts"),
            min_consecutive_shifts=integer(number, min_cons, "MinConsecutiveShifts"),
            min_consecutive_days_off=integer(number, min_off, "MinConsecutiveDaysOff"),
            max_weekends=integer(number, max_wk, "MaxWeekends"),
        )
        if contract.max_consecutive_shifts == 0:
            raise fail(number, "MaxConsecutiveShifts must be at least 1")
        if contract.min_minutes > (contract.max_minutes or 0):
            raise fail(number, "MinTotalMinutes is above MaxTotalMinutes")
        staff_rows[sid] = (number, contract)
    if not staff_rows:
        raise InstanceError(f"{source}: SECTION_STAFF has no employees")

    def employee(number: int, sid: str) -> str:
        if sid not in staff_rows:
            raise fail(number, f"unknown employee id {sid!r}")
        return sid

    days_off: dict[str, dict[int, str]] = {s: {} for s in staff_rows}
    for number, row in lines["SECTION_DAYS_OFF"]:
        sid = employee(number, row[0])
        for value in filter(None, row[1:]):
            days_off[sid][day(number, value)] = DAY_OFF_REASON

    requests: list[Request] = []
    for section, on in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for number, row in lines[section]:
            sid, d, s, w = fields(number, row, 4, "EmployeeID,Day,ShiftID,Weight")
            requests.append(
                Request(
                    staff=employee(number, sid),
                    day=day(number, d),
                    shift=shift(number, s),
                    weight=integer(number, w, "weight"),
                    on=on,
                )
            )

    covers: list[Cover] = []
    seen: dict[tuple[int, str], int] = {}
    for number, row in lines["SECTION_COVER"]:
        d, s, req, under, over = fields(number, row, 5, "Day,ShiftID,Requirement,Under,Over")
        key = (day(number, d), shift(number, s))
        if key in seen:
            raise fail(number, f"second cover line for day {key[0]} shift {key[1]}")
        seen[key] = number
        covers.append(
            Cover(
                day=key[0],
                shift=key[1],
                preferred=integer(number, req, "requirement"),
                under_weight=integer(number, under, "weight for under"),
                over_weight=integer(number, over, "weight for over"),
            )
        )

    staff = tuple(
        Staff(id=sid, contract=contract, unavailable=days_off[sid])
        for sid, (_, contract) in staff_rows.items()
    )
    try:
        return Problem(
            days=days,
            shift_types=shift_types,
            staff=staff,
            covers=tuple(covers),
            requests=tuple(requests),
            name=name,
        )
    except ProblemError as exc:
        raise InstanceError(f"{source}: {exc}") from exc


def write_instance(problem: Problem) -> str:
    """Write a benchmark-shaped Problem back to the instance format (LF line endings)."""
    out = ["SECTION_HORIZON", str(problem.days), "", "SECTION_SHIFTS"]
    for s in problem.shift_types:
        out.append(f"{s.id},{s.minutes},{'|'.join(sorted(s.forbidden_next))}")
    out += ["", "SECTION_STAFF"]
    for p in problem.staff:
        c = p.contract
        limits = "|".join(
            f"{s.id}={c.max_shifts.get(s.id, problem.days)}" for s in problem.shift_types
        )
        out.append(
            f"{p.id},{limits},{c.max_minutes},{c.min_minutes},{c.max_consecutive_shifts},"
            f"{c.min_consecutive_shifts},{c.min_consecutive_days_off},{c.max_weekends}"
        )
    out += ["", "SECTION_DAYS_OFF"]
    out += [",".join([p.id, *map(str, sorted(p.unavailable))]) for p in problem.staff]
    for title, on in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        out += ["", title]
        out += [f"{r.staff},{r.day},{r.shift},{r.weight}" for r in problem.requests if r.on is on]
    out += ["", "SECTION_COVER"]
    out += [
        f"{c.day},{c.shift},{c.preferred},{c.under_weight},{c.over_weight}" for c in problem.covers
    ]
    return "\n".join(out) + "\n"


def roster_to_csv(problem: Problem, roster: Roster) -> str:
    """Roster as CSV: header employee,d0..d{H-1}, one row per employee in problem order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["employee", *(f"d{d}" for d in range(problem.days))])
    for person in problem.staff:
        writer.writerow([person.id, *(s or "" for s in roster.shifts[person.id])])
    return buffer.getvalue()


def write_roster(path: str | Path, problem: Problem, roster: Roster) -> None:
    """Write a roster CSV file."""
    Path(path).write_text(roster_to_csv(problem, roster), encoding="utf-8")


def roster_from_csv(problem: Problem, text: str, source: str = "<csv>") -> Roster:
    """Parse a roster CSV; raises InstanceError naming the line for bad rows or ids."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InstanceError(f"{source}: the roster file is empty")
    expected = ["employee", *(f"d{d}" for d in range(problem.days))]
    if [h.strip() for h in rows[0]] != expected:
        raise InstanceError(
            f"{source} line 1: header must be employee,d0..d{problem.days - 1} "
            f"for a {problem.days}-day instance"
        )
    shift_ids = problem.shift_by_id
    staff_ids = problem.staff_by_id
    shifts: dict[str, list[str | None]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != problem.days + 1:
            raise InstanceError(
                f"{source} line {number}: expected {problem.days + 1} fields, got {len(row)}"
            )
        sid = row[0].strip()
        if sid not in staff_ids:
            raise InstanceError(f"{source} line {number}: unknown employee {sid!r}")
        if sid in shifts:
            raise InstanceError(f"{source} line {number}: employee {sid!r} appears twice")
        values: list[str | None] = []
        for d, cell in enumerate(row[1:]):
            cell = cell.strip()
            if cell and cell not in shift_ids:
                raise InstanceError(f"{source} line {number}: unknown shift {cell!r} on day {d}")
            values.append(cell or None)
        shifts[sid] = values
    missing = [p.id for p in problem.staff if p.id not in shifts]
    if missing:
        raise InstanceError(f"{source}: no row for employee(s) {', '.join(missing)}")
    return Roster(shifts=shifts)


def read_roster(path: str | Path, problem: Problem) -> Roster:
    """Read a roster CSV file for ``problem``."""
    path = Path(path)
    return roster_from_csv(problem, path.read_text(encoding="utf-8"), source=str(path))


def instance_files(folder: str | Path) -> list[Path]:
    """Instance files in a folder, in natural order (Instance2 before Instance10)."""
    return sorted(Path(folder).glob("*.txt"), key=_natural_key)


def _natural_key(path: Path) -> list[tuple[int, int | str]]:
    # Compare digit runs as numbers; the leading 0/1 keeps ints and strings apart.
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", path.stem)]
