"""Small template helpers for leave on the rota and the calendar."""

from django import template

register = template.Library()


@register.filter
def at(sequence, index):
    """The item at `index`, or '' when out of range: lets a grid row show its day's leave."""
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return ""


@register.filter
def hours(value):
    """12.00 → 12, 7.20 → 7.2."""
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
