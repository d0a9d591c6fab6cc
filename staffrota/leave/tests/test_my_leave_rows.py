"""The leave page's list items are written in Python (leave/my_page.py, leave_rows): the
HTML must be the template's, character for character, whatever the request holds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django_scopes import scope

from staffrota.accounts.access import access_for
from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.leave.my_page import CSRF_PLACEHOLDER, leave_rows

pytestmark = pytest.mark.django_db

# The list item as the template wrote it before (the body of its loop).
TEMPLATE = (
    "{% load leave_tags %}"
    '\n  <li class="card mb-2 leave-{{ leave.status }}"><div class="card-body py-2">\n'
    '    <div class="fw-semibold">{{ leave.get_leave_type_display }}: '
    '{{ leave.start_date|date:"D j M Y" }}{% if leave.end_date != leave.start_date %} to '
    '{{ leave.end_date|date:"D j M Y" }}{% endif %} · {{ leave.hours|hours }} h</div>\n'
    "    <div>{{ leave.get_status_display }}{% if leave.decided_automatically %} automatically"
    "{% endif %}{% if leave.decision_note %}: {{ leave.decision_note }}{% endif %}</div>\n"
    '    {% if leave.status == "pending" or leave.status == "approved" %}'
    "{% if leave.start_date > today %}\n"
    '    <form method="post" action="{% url \'leave_cancel\' leave.pk %}" class="mt-1">'
    '{{ csrf_placeholder }}<button class="btn btn-sm btn-outline-secondary" type="submit">'
    "Withdraw</button></form>\n    {% endif %}{% endif %}\n  </div></li>\n  "
)


def test_the_rows_are_the_templates_html(home_a, today):
    cases = [
        ("annual", 5, 5, "6", LeaveStatus.PENDING, False, "Sent to a manager: 2 days' notice"),
        ("annual", 9, 12, "31.50", LeaveStatus.APPROVED, True, "Every rule <passed> & more"),
        ("unpaid", -3, -1, "12.00", LeaveStatus.APPROVED, False, ""),
        ("toil", 0, 0, "7.25", LeaveStatus.PENDING, False, ""),
        ("compassionate", 20, 21, "0.50", LeaveStatus.CANCELLED, False, "Withdrawn"),
        ("training", 30, 30, "8", LeaveStatus.REJECTED, False, 'Refused by "Sam": no'),
    ]
    with scope(care_home=[home_a.home.pk]):
        made = [
            LeaveRequest.objects.create(
                care_home=home_a.home,
                staff=home_a.carer,
                leave_type=kind,
                start_date=today + timedelta(days=first),
                end_date=today + timedelta(days=last),
                hours=Decimal(amount),
                status=status,
                decided_automatically=automatic,
                decision_note=note,
            )
            for kind, first, last, amount, status, automatic, note in cases
        ]
        request = RequestFactory().get("/leave/")
        request.user = home_a.staff_user
        request.access = access_for(home_a.staff_user)
        rows = leave_rows(request, today=today)
        expected = list(LeaveRequest.objects.filter(pk__in=[m.pk for m in made]))
    template = engines["django"].from_string(TEMPLATE)
    expected.sort(key=lambda leave: (leave.start_date, leave.pk), reverse=True)
    placeholder = mark_safe(CSRF_PLACEHOLDER)  # noqa: S308 - our own constant
    html = [
        template.render({"leave": leave, "today": today, "csrf_placeholder": placeholder})
        for leave in expected
    ]
    assert rows == html
    assert sum("Withdraw</button>" in row for row in rows) == 2


def test_the_blank_form_drawn_once_is_the_templates_form():
    from staffrota.leave.forms import LeaveRequestForm
    from staffrota.leave.views import blank_leave_form_html

    drawn = engines["django"].from_string('{% include "web/_form.html" %}')
    assert blank_leave_form_html() == drawn.render({"form": LeaveRequestForm()})
    assert 'name="start_date"' in blank_leave_form_html()


def test_the_list_around_the_items_is_the_templates():
    """The list's HTML around its items, kept per process, is what its template draws with
    no item, one or several (each an already written item, never escaped again)."""
    from django.template.loader import render_to_string

    from staffrota.leave.my_page import requests_html

    items = [
        mark_safe(f'\n  <li class="card">{n} &amp; more</li>\n  ')  # noqa: S308 - a test's own
        for n in range(3)
    ]
    for rows in ([], items[:1], items):
        drawn = render_to_string("leave/_my_leave_requests.html", {"rows": rows})
        assert requests_html(rows) == drawn
    assert "No leave asked for yet." in requests_html([])
