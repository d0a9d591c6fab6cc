"""Small template helpers for the leave pages."""

from django import template

register = template.Library()


@register.filter
def hours(value):
    """12.00 → 12, 7.20 → 7.2."""
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
