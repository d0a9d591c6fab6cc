"""A private iCalendar feed of a person's published shifts, for Google, Outlook or Apple."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from staffrota.organisation.models import StaffMember
from staffrota.rota.models import CalendarFeed, Shift, ShiftStatus


def feed_renew(*, staff: StaffMember) -> CalendarFeed:
    """Give the person a new secret address; the old one stops working at once."""
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.select_for_update().get_or_create(
            staff=staff,
            defaults={"care_home_id": staff.care_home_id, "token": secrets.token_urlsafe(32)},
        )
        feed.token = secrets.token_urlsafe(32)
        feed.save()
    return feed


def feed_revoke(*, staff: StaffMember) -> None:
    CalendarFeed.objects.filter(staff=staff).delete()


def calendar_for(staff: StaffMember, *, host: str) -> bytes:
    """Published shifts from four weeks ago onwards, one event each."""
    since = timezone.localdate() - timedelta(weeks=4)
    shifts = (
        Shift.objects.filter(staff=staff, status=ShiftStatus.PUBLISHED, date__gte=since)
        .select_related("unit", "shift_type", "job_role", "care_home")
        .order_by("starts_at")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Staff Rota//Shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Shifts: {staff.full_name}")
    calendar.add("x-wr-timezone", "Europe/London")
    for shift in shifts:
        event = Event()
        event.add("uid", f"shift-{shift.pk}@{host}")
        event.add("summary", f"{shift.shift_type.name} shift, {shift.unit.name}")
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("dtstamp", shift.updated_at)
        event.add("location", shift.care_home.name)
        event.add("description", f"{shift.job_role.name}, {shift.paid_hours} paid hours")
        calendar.add_component(event)
    return calendar.to_ical()
