"""Replay a year of leave requests through the engine, in the order they were made.

    python -m bench.leave [--seed 42] [--today 2026-11-30] [--homes 5] [--out var/bench/leave]
    python -m bench.leave --generator [--seed 42]     # the older, own generator

By default the requests are the demo data's (see `demo.py`). Reports the share decided
automatically, the share approved automatically, the precision
(automatic approvals that left any shift below its minimum: must be none, checked by an
independent count of the rota after each approval) and why the rest went to a manager.
Runs in a throwaway test database; your own data is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

BANK_POOL = 12  # bank people per role


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", default="2026-11-30", help="the demo's today (YYYY-MM-DD)")
    parser.add_argument("--homes", type=int, default=5, help="demo homes to replay (1-5)")
    parser.add_argument("--generator", action="store_true", help="the bench's own generator")
    parser.add_argument(
        "--auto-cover", action="store_true", help="homes book cover at no extra cost"
    )
    parser.add_argument(
        "--contract-cover",
        type=float,
        default=None,
        help="what-if: contracted hours per hour of minimum staffing (the demo's is 0.9)",
    )
    parser.add_argument("--days", type=int, default=None, help="stop after this many days")
    parser.add_argument("--out", default="var/bench/leave")
    args = parser.parse_args(argv)
    try:
        today = date.fromisoformat(args.today)
    except ValueError:
        parser.error(f"--today {args.today!r} is not a date; use YYYY-MM-DD.")
    if not 1 <= args.homes <= 5:
        parser.error("--homes is 1 to 5 (the homes of the demo at scale 1).")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from staffrota.celery import app as celery_app

    # E-mails run inline into the test outbox (set up below), never onto the real broker.
    celery_app.conf.task_always_eager = True
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        if args.generator:
            report = run(args.seed)
        else:
            from bench.leave.demo import replay

            report = replay(
                args.seed,
                today,
                args.homes,
                auto_cover=args.auto_cover,
                contract_cover=args.contract_cover,
                days=args.days,
                progress=_progress,
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    report["database"] = connection.vendor
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = (
        "report-generator.json"
        if args.generator
        else f"report-{'auto-cover' if args.auto_cover else 'default'}-{args.homes}"
        + (f"-contracts-{args.contract_cover}" if args.contract_cover else "")
        + ".json"
    )
    (out / name).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0 if report["precision"] == 1.0 else 1


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _short_after(shift_ids, absent_check) -> list[str]:
    """Independent of the engine: for each vacated shift's slot, count the people still on
    it (published, assigned, not on approved leave or sick that day) against the minimum."""
    from bench.leave.slots import slot_minimum
    from staffrota.rota.models import Shift, ShiftStatus

    problems = []
    for shift in Shift.objects.filter(pk__in=shift_ids):
        holders = Shift.objects.filter(
            unit_id=shift.unit_id,
            date=shift.date,
            shift_type_id=shift.shift_type_id,
            job_role_id=shift.job_role_id,
            status=ShiftStatus.PUBLISHED,
            staff__isnull=False,
        ).values_list("staff_id", flat=True)
        present = sum(1 for holder in holders if not absent_check(holder, shift.date))
        minimum = slot_minimum(shift)
        if present < minimum:
            problems.append(f"{shift.date} unit {shift.unit_id}: {present}/{minimum}")
    return problems


def run(seed: int) -> dict:
    from django.core import mail
    from django_scopes import scopes_disabled

    from bench.leave.generator import build
    from staffrota.leave.models import LeaveRequest, LeaveStatus
    from staffrota.leave.services import (
        LeaveError,
        leave_approve,
        leave_reject,
        leave_request_submit,
    )
    from staffrota.organisation.models import StaffMember
    from staffrota.rota.models import Shift
    from staffrota.testing import factories as f

    started = time.monotonic()
    with scopes_disabled():
        home, staff, planned = build(seed)
        manager = f.service_manager(home)
        people = {m.pk: m for m in StaffMember.objects.filter(care_home=home)}

        def absent(staff_id, day):
            return LeaveRequest.objects.filter(
                staff_id=staff_id,
                status=LeaveStatus.APPROVED,
                part_day=False,
                start_date__lte=day,
                end_date__gte=day,
            ).exists()

        bank = [
            f.staff_member(
                member.home_unit,
                role,
                first_name=f"Bank{role}{n}",
                last_name="Pool",
                contract_type="bank",
                contracted_hours=0,
            )
            for member in staff[:1]
            for role in ("rn", "carer")
            for n in range(BANK_POOL)
        ]
        booked: dict[tuple[int, object], bool] = {}

        def backfill(shift_ids) -> int:
            """The manager fills each vacancy the leave made from the bank, as homes do; a
            bank person works at most one shift a day. Generator-level: written directly."""
            filled = 0
            for shift in Shift.objects.filter(pk__in=shift_ids, staff__isnull=True):
                for person in bank:
                    if person.job_role_id != shift.job_role_id:
                        continue
                    days = {(person.pk, shift.date + timedelta(days=d)) for d in (-1, 0, 1)}
                    if any(key in booked for key in days):
                        continue
                    booked[(person.pk, shift.date)] = True
                    Shift.objects.filter(pk=shift.pk).update(staff=person, source="bank")
                    filled += 1
                    break
            return filled

        counts = Counter()
        refused = Counter()
        referred_for = Counter()
        imprecise = []
        for item in planned:
            counts["submitted"] += 1
            member = people[item.staff_id]
            rostered = list(
                Shift.objects.filter(staff=member, date__range=(item.start, item.end)).values_list(
                    "pk", flat=True
                )
            )
            try:
                leave = leave_request_submit(
                    staff=member,
                    leave_type=item.leave_type,
                    start=item.start,
                    end=item.end,
                    actor=member.user,
                    today=item.submitted,
                )
            except LeaveError as error:
                text = str(error)
                key = (
                    "over balance"
                    if "is left" in text
                    else "overlaps other leave"
                    if "overlaps" in text
                    else "not rostered"
                    if "not rostered" in text
                    else text[:60]
                )
                refused[key] += 1
                continue
            counts["valid"] += 1
            if leave.status == LeaveStatus.APPROVED:
                counts["auto_approved"] += 1
                problems = _short_after(rostered, absent)
                if problems:
                    imprecise.append({"request": leave.pk, "short": problems})
                counts["backfilled"] += backfill(rostered)
                continue
            counts["referred"] += 1
            failed = sorted(r["rule"] for r in leave.rule_results if not r["passed"])
            for rule in failed:
                referred_for[rule] += 1
            referred_for["+".join(failed) + " (combination)"] += 1
            # The bench's manager: approve what only failed on notice or blackout (cover
            # holds), refuse the rest so the balance is free for another request.
            if set(failed) <= {"notice", "blackout"}:
                leave_approve(request=leave, actor=manager, comment="Bench: cover holds")
                counts["manager_approved"] += 1
                counts["backfilled"] += backfill(rostered)
            else:
                leave_reject(request=leave, actor=manager, comment="Bench: cover would fall short")
                counts["manager_refused"] += 1
            mail.outbox = []
    valid = counts["valid"] or 1
    auto = counts["auto_approved"]
    return {
        "generator": "bench/leave/generator.py (own; demo_data not on main yet)",
        "seed": seed,
        "staff": len(staff),
        "submitted": counts["submitted"],
        "refused_at_submission": dict(refused),
        "valid_requests": counts["valid"],
        "decided_automatically": round(auto / valid, 4),
        "approved_automatically": round(auto / valid, 4),
        "automatic_approvals": auto,
        "automatic_approvals_leaving_a_shift_short": len(imprecise),
        "precision": 1.0 if not imprecise else round(1 - len(imprecise) / max(auto, 1), 4),
        "referred": counts["referred"],
        "referred_because": dict(sorted(referred_for.items(), key=lambda kv: -kv[1])),
        "bench_manager": {
            "approved": counts["manager_approved"],
            "refused": counts["manager_refused"],
            "vacancies_backfilled_from_bank": counts["backfilled"],
        },
        "imprecise_examples": imprecise[:5],
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
