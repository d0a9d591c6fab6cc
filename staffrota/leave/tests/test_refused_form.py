"""A refused request's form (its values valid, the request turned down for a reason shown
above the fields) is drawn from the kept HTML exactly as Django's form templates draw it:
every leave type, optional fields empty or filled, values and reasons that need escaping."""

import itertools
import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from staffrota.leave import views
from staffrota.leave.forms import LeaveRequestForm

pytestmark = pytest.mark.django_db


def _django(form) -> str:
    return render_to_string("web/_form.html", {"form": form})


def _refused(data, reasons):
    form = LeaveRequestForm(data)
    assert form.is_valid(), form.errors
    for reason in reasons:
        form.add_error(None, reason)
    return form


def test_a_refused_form_is_drawn_as_djangos_templates_draw_it():
    day = timezone.localdate() + timedelta(days=3)
    kinds = [value for value, _ in LeaveRequestForm.base_fields["leave_type"].choices]
    comments = ["", "load", ' <b>"Tom" & Jerry\'s</b> kept-form-value-comment-here ', "0"]
    hours = ["", "2.5", "7"]
    reasons = [
        ["This needs 10.5 hours of annual leave, but 0 hours is left."],
        ["A & B <i>overlap</i> kept-form-reason-0-here", mark_safe("<b>safe</b>")],
    ]
    checked = 0
    for kind, comment, hour, said in itertools.product(kinds, comments, hours, reasons):
        data = {
            "leave_type": kind,
            "start_date": day.isoformat(),
            "end_date": day.isoformat() if hour else (day + timedelta(days=2)).isoformat(),
            "part_day_hours": hour,
            "comment": comment,
        }
        form = _refused(data, said)
        assert views.refused_form_html(form) == _django(form), data
        checked += 1
    assert checked == len(kinds) * 4 * 3 * 2


def test_a_date_in_another_format_and_missing_optional_fields():
    day = timezone.localdate() + timedelta(days=5)
    form = _refused(
        {"leave_type": "toil", "start_date": day.strftime("%Y-%m-%d"), "end_date": str(day)},
        ["No."],
    )
    assert views.refused_form_html(form) == _django(form)


def test_a_form_with_a_field_in_error_is_left_to_the_templates():
    form = LeaveRequestForm({"leave_type": "annual", "start_date": "2026-13-40"})
    assert not form.is_valid()
    assert views.refused_form_html(form) is None


def test_the_refused_page_is_the_page_django_drew(home_a, monkeypatch):
    """Asking twice for the same days: the second is refused (an overlap). The page is the
    one the form templates gave, byte for byte (but for each response's CSRF token)."""
    client = Client()
    client.force_login(home_a.staff_user)
    day = timezone.localdate() + timedelta(days=60)
    data = {
        "leave_type": "unpaid",
        "start_date": day.isoformat(),
        "end_date": (day + timedelta(days=1)).isoformat(),
        "comment": "<b>me</b> & you",
    }
    assert client.post(reverse("leave_mine"), data).status_code == 302
    client.get(reverse("leave_mine"))  # shows (and so clears) the message of the first
    kept = client.post(reverse("leave_mine"), data)
    monkeypatch.setattr(views, "refused_form_html", lambda form: None)
    drawn = client.post(reverse("leave_mine"), data)
    assert kept.status_code == drawn.status_code == 200
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    page = token.sub("", kept.content.decode())
    assert page == token.sub("", drawn.content.decode())
    assert "This overlaps your unpaid leave" in page
    assert '<option value="unpaid" selected>Unpaid leave</option>' in page
    assert "&lt;b&gt;me&lt;/b&gt; &amp; you</textarea>" in page
