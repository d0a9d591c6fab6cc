"""The Bradford factor: B = S² × D over a rolling 52 weeks (DOMAIN.md section 8).

S is the number of separate sickness spells and D the total days off sick, both counted
inside the window; a spell still open counts up to today. Bands follow the home's
trigger points (default 51 monitor, 101 discussion, 201 formal review).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from staffrota.leave.models import LeavePolicy, SicknessAbsence

WINDOW_DAYS = 52 * 7


@dataclass(frozen=True)
class Bradford:
    spells: int
    days: int
    band: str  # "none", "monitor", "discussion", "formal"

    @property
    def score(self) -> int:
        return self.spells * self.spells * self.days

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]


BAND_LABELS = {
    "none": "No action",
    "monitor": "Monitor",
    "discussion": "Discussion",
    "formal": "Formal review",
}


def band_for(score: int, policy: LeavePolicy) -> str:
    if score >= policy.bradford_formal:
        return "formal"
    if score >= policy.bradford_discussion:
        return "discussion"
    if score >= policy.bradford_monitor:
        return "monitor"
    return "none"


def bradford_window(today: date) -> tuple[date, date]:
    return today - timedelta(days=WINDOW_DAYS - 1), today


def bradford_scores(
    staff_ids: Iterable[int], *, today: date, policies: dict[int, LeavePolicy], homes: dict
) -> dict[int, Bradford]:
    """Scores for many people in one query. `homes` maps staff id to care home id and
    `policies` home id to its policy (defaults where a home has none)."""
    ids = list(staff_ids)
    first, last = bradford_window(today)
    spells: dict[int, int] = dict.fromkeys(ids, 0)
    days: dict[int, int] = dict.fromkeys(ids, 0)
    episodes = (
        SicknessAbsence.objects.filter(staff_id__in=ids, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("staff_id", "start_date", "end_date")
    )
    for staff_id, start, end in episodes:
        end = min(end or today, last)
        start = max(start, first)
        if end < start:
            continue
        spells[staff_id] += 1
        days[staff_id] += (end - start).days + 1
    result = {}
    for staff_id in ids:
        score = spells[staff_id] ** 2 * days[staff_id]
        policy = policies.get(homes.get(staff_id)) or LeavePolicy()
        result[staff_id] = Bradford(spells[staff_id], days[staff_id], band_for(score, policy))
    return result
