"""The bench's rota co-ordinator: draws each home's rota four weeks ahead, one day at a time,
from the leave and sickness known *that* day, publishes it two weeks ahead and fills its gaps.

It follows the demo's own rota generator (`staffrota/demo/rota.py`): the same slots, the
same order of people (contracted staff furthest behind their four-weekly hours first, own
unit before cover units), the same rest, consecutive-day and weekly-hour limits, and the
same order of extra cover (bank, overtime or agency, drawn with `_extra_order`). What differs
is *when*: the demo draws the whole year knowing all the leave; here day `d` is drawn on
`d - 27` from the database as it is then, so leave asked later meets a rota that already
has the person on it. Contracted hours already taken as leave in a four-week period are
not rostered again (the demo's generator leaves leave out of that sum).

Generator-level writes (bulk rows, like the demo's): the co-ordinator is the bench's
stand-in for a person, not the code under test.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from staffrota.demo.build import HomeSkeleton
from staffrota.demo.plan import HomePlan
from staffrota.demo.rota import (
    OPTED_OUT_WEEK,
    PERIOD_DAYS,
    REST_SECONDS,
    WTR_WEEK,
    _extra_order,
)
from staffrota.leave.coverage import absent_on
from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.organisation.models import JobRole
from staffrota.rota.models import VACANT, AgencyBooking, AgencyStatus, Shift, ShiftStatus
from staffrota.rota.services import shift_times

DRAFT_AHEAD = 27  # the rota exists for today and the 27 days after it (4 weeks)
PUBLISHED_AHEAD = 13  # published for today and the 13 days after it (2 weeks)
MAX_CONSECUTIVE = 6


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class Planner:
    def __init__(
        self,
        skeleton: HomeSkeleton,
        plan: HomePlan,
        roles: dict[str, JobRole],
        *,
        window_start: date,
        seed: int,
    ):
        self.home = skeleton.home
        self.units = skeleton.units
        self.types = skeleton.shift_types
        self.people = skeleton.people
        self.staff = skeleton.staff  # person index -> StaffMember (not agency)
        self.index_of = {member.pk: index for index, member in self.staff.items()}
        self.roles = roles
        self.window_start = window_start
        self.rng = random.Random(f"{seed}:bench-rota:{plan.index}")
        self.drawn_until: date | None = None
        self.published_until: date | None = None
        start_order = {s.code: (s.starts, s.code) for s in plan.shift_specs}
        self.slots: list[list[tuple[int, str, str, int]]] = [[] for _ in range(7)]
        for u, unit in enumerate(plan.units):
            for (code, role, weekday), minimum in unit.requirements.items():
                self.slots[weekday].append((u, code, role, minimum))
        for day_slots in self.slots:
            day_slots.sort(key=lambda s: (start_order[s[1]], s[0], s[2]))
        self.own: dict[tuple, list[int]] = defaultdict(list)
        self.cover: dict[tuple, list[int]] = defaultdict(list)
        self.bank: dict[tuple, list[int]] = defaultdict(list)
        self.agency: dict[tuple, list[int]] = defaultdict(list)
        for p in self.people:
            if p.contract == "permanent":
                self.own[(p.home_unit, p.role, p.group)].append(p.index)
                for u in p.cover:
                    self.cover[(u, p.role, p.group)].append(p.index)
            else:
                pool = self.agency if p.agency else self.bank
                for u in [p.home_unit, *p.cover]:
                    pool[(u, p.role)].append(p.index)
        # Agency workers have no staff record: their shifts are kept here.
        self.agency_book: dict[int, dict[date, tuple[int, int, float]]] = defaultdict(dict)
        self.stats = defaultdict(int)

    # -- what each person already has ------------------------------------------------------

    def _load(self, first: date, last: date):
        """Shifts, absences and leave hours of everyone around [first, last]."""
        book: dict[int, dict[date, tuple[int, int, float, str]]] = defaultdict(dict)
        rows = Shift.objects.filter(
            care_home=self.home,
            staff__isnull=False,
            date__range=(first - timedelta(days=PERIOD_DAYS + 7), last + timedelta(days=14)),
        ).exclude(status=ShiftStatus.CANCELLED)
        for staff_id, day, starts, ends, paid, source in rows.values_list(
            "staff_id", "date", "starts_at", "ends_at", "paid_hours", "source"
        ):
            index = self.index_of[staff_id]
            book[index][day] = (
                int(starts.timestamp()),
                int(ends.timestamp()),
                float(paid),
                source,
            )
        for index, days in self.agency_book.items():
            for day, (start, end, hours) in days.items():
                book[index][day] = (start, end, hours, "agency")
        away_rows = absent_on(self.home.pk, first - timedelta(days=PERIOD_DAYS), last)
        away = {self.index_of[s]: days for s, days in away_rows.items() if s in self.index_of}
        leave_hours: dict[int, dict[date, float]] = defaultdict(dict)
        for staff_id, by_day in LeaveRequest.objects.filter(
            care_home=self.home,
            status=LeaveStatus.APPROVED,
            start_date__lte=last,
            end_date__gte=first - timedelta(days=PERIOD_DAYS),
        ).values_list("staff_id", "hours_by_day"):
            for iso, amount in (by_day or {}).items():
                leave_hours[self.index_of[staff_id]][date.fromisoformat(iso)] = float(amount)
        return book, away, leave_hours

    def _period(self, day: date) -> tuple[date, date]:
        offset = (day - self.window_start).days // PERIOD_DAYS * PERIOD_DAYS
        start = self.window_start + timedelta(days=offset)
        return start, start + timedelta(days=PERIOD_DAYS - 1)

    def _eligible(self, p, day, start_ts, end_ts, book, away) -> bool:
        person = self.people[p]
        mine = book.get(p, {})
        if day in mine or day in away.get(p, ()) or day < person.started_on:
            return False
        if person.registration_expiry and day > person.registration_expiry:
            return False
        for other in (day - timedelta(days=1), day + timedelta(days=1)):
            if other in mine:
                o_start, o_end = mine[other][0], mine[other][1]
                if o_end + REST_SECONDS > start_ts and o_start < end_ts + REST_SECONDS:
                    return False
        run = 1
        back = day - timedelta(days=1)
        while back in mine:
            run, back = run + 1, back - timedelta(days=1)
        ahead = day + timedelta(days=1)
        while ahead in mine:
            run, ahead = run + 1, ahead + timedelta(days=1)
        return run <= MAX_CONSECUTIVE

    @staticmethod
    def _week(p, day, book) -> tuple[float, int]:
        monday = _monday(day)
        items = [v for d, v in book.get(p, {}).items() if monday <= d < monday + timedelta(7)]
        return sum(v[2] for v in items), len(items)

    def _period_hours(self, p, day, book, leave_hours) -> float:
        first, last = self._period(day)
        worked = sum(
            v[2] for d, v in book.get(p, {}).items() if first <= d <= last and v[3] == "contracted"
        )
        off = sum(h for d, h in leave_hours.get(p, {}).items() if first <= d <= last)
        return worked + off

    # -- choosing people -------------------------------------------------------------------

    def _contracted(self, u, code, role, day, k, book, away, leave_hours) -> int:
        spec = self.types[code]
        h = float(spec.paid_hours)
        start, end = (int(t.timestamp()) for t in shift_times(shift_type=spec, day=day))
        group = "night" if spec.is_night else "day"
        first, _ = self._period(day)
        fraction = ((day - first).days + 1) / PERIOD_DAYS
        best, chosen = -1e9, -1
        for pool, penalty in ((self.own[(u, role, group)], 0.0), (self.cover[(u, role, group)], 6)):
            for p in pool:
                person = self.people[p]
                target = person.contracted * PERIOD_DAYS / 7 + 2.0
                done = self._period_hours(p, day, book, leave_hours)
                cap = OPTED_OUT_WEEK if person.wtr_opt_out else WTR_WEEK
                if done + h > target or self._week(p, day, book)[0] + h > cap:
                    continue
                if not self._eligible(p, day, start, end, book, away):
                    continue
                i = (day - self.window_start).days
                jitter = ((p * 7919 + i * 104729 + k * 31) % 97) / 24.0
                score = target * fraction - done - penalty + jitter
                if score > best:
                    best, chosen = score, p
        return chosen

    def _extra(self, u, code, role, day, book, away) -> tuple[int, str]:
        spec = self.types[code]
        h = float(spec.paid_hours)
        start, end = (int(t.timestamp()) for t in shift_times(shift_type=spec, day=day))
        group = "night" if spec.is_night else "day"
        for source in _extra_order(self.rng.random(), role):
            best, chosen = 1e9, -1
            if source == "overtime":
                for p in [*self.own[(u, role, group)], *self.cover[(u, role, group)]]:
                    person = self.people[p]
                    cap = min(
                        person.contracted + 8.0,
                        OPTED_OUT_WEEK if person.wtr_opt_out else WTR_WEEK,
                    )
                    hours = self._week(p, day, book)[0]
                    if (
                        hours < best
                        and hours + h <= cap
                        and self._eligible(p, day, start, end, book, away)
                    ):
                        best, chosen = hours, p
            else:
                pool = self.bank[(u, role)] if source == "bank" else self.agency[(u, role)]
                for p in pool:
                    shifts = self._week(p, day, book)[1]
                    if shifts < min(best, self.people[p].max_week_shifts) and self._eligible(
                        p, day, start, end, book, away
                    ):
                        best, chosen = shifts, p
            if chosen >= 0:
                return chosen, source
        return -1, ""

    def _book(self, book, p, day, code, source) -> None:
        spec = self.types[code]
        start, end = (int(t.timestamp()) for t in shift_times(shift_type=spec, day=day))
        book[p][day] = (start, end, float(spec.paid_hours), source)
        if self.people[p].agency:
            self.agency_book[p][day] = (start, end, float(spec.paid_hours))

    # -- the co-ordinator's day --------------------------------------------------------------

    def advance(self, today: date) -> None:
        """Draw the rota up to today + 27 and publish it up to today + 13."""
        last_draw = today + timedelta(days=DRAFT_AHEAD)
        if last_draw < self.window_start:
            return
        day = self.drawn_until + timedelta(days=1) if self.drawn_until else self.window_start
        while day <= last_draw:
            self._draw(day, ahead=(day - today).days)
            self.drawn_until = day
            day += timedelta(days=1)
        last_publish = today + timedelta(days=PUBLISHED_AHEAD)
        day = (
            self.published_until + timedelta(days=1) if self.published_until else self.window_start
        )
        while day <= min(last_publish, self.drawn_until):
            self._fill_from_contracted(day)
            Shift.objects.filter(care_home=self.home, date=day, status=ShiftStatus.DRAFT).update(
                status=ShiftStatus.PUBLISHED
            )
            self.published_until = day
            day += timedelta(days=1)

    def _fill_from_contracted(self, day: date) -> None:
        """Before publishing a day, fill the draft's vacancies (leave approved on the draft,
        sickness) from contracted people still under their hours, as the draw does; what
        is left goes to overtime, bank or agency in `refill` once published."""
        vacant = list(
            Shift.objects.filter(VACANT, care_home=self.home, date=day, status=ShiftStatus.DRAFT)
            .order_by("starts_at", "pk")
            .values_list("pk", "unit_id", "shift_type__code", "job_role__code")
        )
        if not vacant:
            return
        book, away, leave_hours = self._load(day, day)
        unit_index = {unit.pk: u for u, unit in enumerate(self.units)}
        for k, (pk, unit_id, code, role) in enumerate(vacant):
            chosen = self._contracted(
                unit_index[unit_id], code, role, day, k, book, away, leave_hours
            )
            if chosen < 0:
                continue
            self._book(book, chosen, day, code, "contracted")
            Shift.objects.filter(pk=pk).update(staff=self.staff[chosen], source="contracted")
            self.stats["publish_filled_contracted"] += 1

    def _draw(self, day: date, *, ahead: int) -> None:
        book, away, leave_hours = self._load(day, day)
        # As in the demo: the further ahead, the fewer gaps are filled when first drawn.
        fill_chance = max(0.3, 0.98 - 0.018 * ahead)
        status = ShiftStatus.PUBLISHED if ahead <= PUBLISHED_AHEAD else ShiftStatus.DRAFT
        rows, agency_rows = [], []
        for u, code, role, minimum in self.slots[day.weekday()]:
            for k in range(minimum):
                chosen = self._contracted(u, code, role, day, k, book, away, leave_hours)
                source = "contracted"
                if chosen < 0 and self.rng.random() < fill_chance:
                    chosen, source = self._extra(u, code, role, day, book, away)
                if chosen >= 0:
                    self._book(book, chosen, day, code, source)
                shift = self._shift(u, code, role, day, chosen, source, status)
                rows.append(shift)
                agency_rows.append(chosen if source == "agency" else -1)
                self.stats[f"drawn_{source or 'vacant'}"] += 1
        saved = Shift.objects.bulk_create(rows)
        self._agency_bookings(saved, agency_rows)

    def _shift(self, u, code, role, day, chosen, source, status) -> Shift:
        spec = self.types[code]
        starts, ends = shift_times(shift_type=spec, day=day)
        person = self.people[chosen] if chosen >= 0 else None
        return Shift(
            care_home=self.home,
            unit=self.units[u],
            date=day,
            starts_at=starts,
            ends_at=ends,
            shift_type=spec,
            job_role=self.roles[role],
            staff=self.staff.get(chosen) if person and not person.agency else None,
            paid_hours=spec.paid_hours,
            status=status,
            source=source or "contracted",
            note=f"Agency: {person.note}" if person and person.agency else "",
        )

    def _agency_bookings(self, shifts, chosen) -> None:
        AgencyBooking.objects.bulk_create(
            [
                AgencyBooking(
                    care_home=self.home,
                    shift=shift,
                    agency=self.people[p].note or "Agency",
                    hourly_rate=self.people[p].rate,
                    worker_name=f"{self.people[p].first_name} {self.people[p].last_name}",
                    status=AgencyStatus.CONFIRMED,
                )
                for shift, p in zip(shifts, chosen, strict=True)
                if p >= 0
            ]
        )

    def refill(self, today: date) -> int:
        """Fill the vacancies of the published rota (leave, sickness, gaps) from overtime,
        bank or agency, as a co-ordinator does; returns how many were filled."""
        if self.published_until is None or self.published_until < today:
            return 0
        vacant = list(
            Shift.objects.filter(
                VACANT,
                care_home=self.home,
                date__range=(today, self.published_until),
                status=ShiftStatus.PUBLISHED,
            )
            .order_by("starts_at", "pk")
            .values_list("pk", "unit_id", "date", "shift_type__code", "job_role__code")
        )
        if not vacant:
            return 0
        book, away, _ = self._load(today, self.published_until)
        unit_index = {unit.pk: u for u, unit in enumerate(self.units)}
        filled = 0
        for pk, unit_id, day, code, role in vacant:
            chosen, source = self._extra(unit_index[unit_id], code, role, day, book, away)
            if chosen < 0:
                self.stats["refill_failed"] += 1
                continue
            self._book(book, chosen, day, code, source)
            person = self.people[chosen]
            if person.agency:
                Shift.objects.filter(pk=pk).update(
                    source="agency", note=f"Agency: {person.note}", staff=None
                )
                self._agency_bookings([Shift(pk=pk)], [chosen])
            else:
                Shift.objects.filter(pk=pk).update(staff=self.staff[chosen], source=source)
            self.stats[f"refilled_{source}"] += 1
            filled += 1
        return filled
