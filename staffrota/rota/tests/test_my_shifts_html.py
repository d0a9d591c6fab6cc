"""The body of "My shifts" is written in Python (rota/my_shifts.py): it must be the HTML
the template gave, character for character, and still follow every change."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.leave.queries import upcoming_leave
from staffrota.organisation.models import StaffMember
from staffrota.rota.grid_cache import my_shifts_html
from staffrota.rota.models import ShiftStatus
from staffrota.rota.my_shifts import my_shifts_body
from staffrota.rota.queries import shifts_for_person
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db

# The template the page was rendered with before (web/_my_shifts.html), as it was.
TEMPLATE = (
    '{# The body of "My shifts", cached per person (rota/grid_cache.py: my_shifts_html). #}\n'
    '<p class="text-body-secondary">{{ staff.job_role }} · {{ staff.home_unit }} · next 4 '
    "weeks: {{ shifts|length }} shift{{ shifts|length|pluralize }}, "
    '{{ total_hours|floatformat:"-2" }} hours</p>\n'
    "{% if shifts %}\n"
    '<ol class="list-unstyled row g-2" aria-label="Shifts in the next 4 weeks">\n'
    "  {% for shift in shifts %}\n"
    '  <li class="col-12 col-md-6 col-xl-4">\n'
    '    <div class="card shift-card{% if shift.shift_type.is_night %} night{% endif %}">\n'
    '      <div class="card-body py-2">\n'
    '        <div class="fw-semibold">{{ shift.date|date:"l j F" }}</div>\n'
    '        <div>{{ shift.shift_type.name }}: {{ shift.starts_at|time:"H:i" }}–'
    '{{ shift.ends_at|time:"H:i" }}{% if shift.ends_at.date != shift.starts_at.date %}'
    " (next day){% endif %}</div>\n"
    '        <div class="small text-body-secondary">{{ shift.unit.name }} · '
    '{{ shift.job_role }} · {{ shift.paid_hours|floatformat:"-2" }} paid hours</div>\n'
    "      </div>\n"
    "    </div>\n"
    "  </li>\n"
    "  {% endfor %}\n"
    "</ol>\n"
    "{% else %}\n"
    "<p>No shifts in the next 4 weeks have been published for you yet.</p>\n"
    "{% endif %}\n"
    "{% if leave %}\n"
    '<h2 class="h5 mt-3">Leave in the next 4 weeks</h2>\n'
    '<ul class="list-unstyled" aria-label="Leave in the next 4 weeks">\n'
    '  {% for item in leave %}<li class="card shift-card leave-card mb-2"><div class="card-body'
    ' py-2"><span class="fw-semibold">{{ item.get_leave_type_display }}</span>: '
    '{{ item.start_date|date:"l j F" }}{% if item.end_date != item.start_date %} to '
    '{{ item.end_date|date:"l j F" }}{% endif %}{% if item.status == "pending" %} (waiting for'
    " a decision){% endif %}</div></li>{% endfor %}\n"
    "</ul>\n"
    "{% endif %}\n"
)


def _as_the_template_had_it(staff_id: int, start: date) -> str:
    staff = StaffMember.objects.select_related("home_unit", "job_role").get(pk=staff_id)
    shifts = shifts_for_person(staff=staff, start=start, days=28)
    leave = upcoming_leave(staff=staff, start=start, days=28)
    return (
        engines["django"]
        .from_string(TEMPLATE)
        .render(
            {
                "staff": staff,
                "shifts": shifts,
                "leave": leave,
                "total_hours": sum(shift.paid_hours for shift in shifts),
            }
        )
    )


def _leave(world, person, first, last, status, kind="annual"):
    return LeaveRequest.objects.create(
        care_home=world.home,
        staff=person,
        leave_type=kind,
        start_date=first,
        end_date=last,
        hours=Decimal("7.5"),
        status=status,
    )


def test_the_body_is_the_templates_html(home_a, home_b, today):
    """Held and draft shifts, a night into the next day, names that need escaping, leave
    of one day and of several, pending, approved and refused, winter and summer time,
    and a person with nothing at all."""
    home = home_a.home
    odd_unit = f.unit(home, 'Rowan & <"Oak">')
    summer = date(today.year + 1, 7, 6)
    with scopes_disabled():
        late = f.shift_type(home, "L", hours="7.25")
        late.name = 'Late "long" <day>'
        late.save()
        for day, unit, shift_type, status in (
            (today + timedelta(days=3), home_a.unit, home_a.night, ShiftStatus.PUBLISHED),
            (today + timedelta(days=5), odd_unit, late, ShiftStatus.PUBLISHED),
            (today + timedelta(days=7), home_a.unit, home_a.early, ShiftStatus.DRAFT),
            (summer, home_a.unit, home_a.night, ShiftStatus.PUBLISHED),
            (summer + timedelta(days=3), odd_unit, home_a.early, ShiftStatus.PUBLISHED),
        ):
            shift_create(
                unit=unit,
                day=day,
                shift_type=shift_type,
                job_role=home_a.carer.job_role,
                staff=home_a.carer,
                status=status,
            )
        _leave(
            home_a,
            home_a.carer,
            today + timedelta(days=10),
            today + timedelta(days=12),
            LeaveStatus.APPROVED,
        )
        _leave(
            home_a,
            home_a.carer,
            today + timedelta(days=14),
            today + timedelta(days=14),
            LeaveStatus.PENDING,
            "toil",
        )
        _leave(
            home_a,
            home_a.carer,
            today + timedelta(days=16),
            today + timedelta(days=16),
            LeaveStatus.REJECTED,
        )
        _leave(
            home_a,
            home_a.carer,
            summer + timedelta(days=1),
            summer + timedelta(days=2),
            LeaveStatus.PENDING,
        )
        nobody = f.staff_member(home_a.unit, "carer")
    people = [home_a.carer.pk, home_a.nurse.pk, nobody.pk]
    with scope(care_home=[home.pk]):
        for person in people:
            for start in (
                today,
                today + timedelta(days=4),
                today + timedelta(days=9),
                summer - timedelta(days=2),
            ):
                expected = _as_the_template_had_it(person, start)
                assert my_shifts_body(staff_id=person, start=start, days=28) == expected
        shown = my_shifts_body(staff_id=home_a.carer.pk, start=today, days=28)
    assert "Rowan &amp; &lt;&quot;Oak&quot;&gt;" in shown
    assert "(next day)" in shown
    assert "(waiting for a decision)" in shown


def test_new_leave_shows_on_the_next_view(home_a, today):
    with scope(care_home=[home_a.home.pk]):
        before = my_shifts_html(staff_id=home_a.carer.pk, home_id=home_a.home.pk, start=today)
        _leave(
            home_a,
            home_a.carer,
            today + timedelta(days=4),
            today + timedelta(days=4),
            LeaveStatus.PENDING,
        )
        with CaptureQueriesContext(connection) as queries:
            after = my_shifts_html(staff_id=home_a.carer.pk, home_id=home_a.home.pk, start=today)
        again = my_shifts_html(staff_id=home_a.carer.pk, home_id=home_a.home.pk, start=today)
    assert "Leave in the next 4 weeks" not in before
    assert "(waiting for a decision)" in after
    assert len(queries) > 0
    assert again == after
