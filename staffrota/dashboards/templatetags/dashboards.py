from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """`{{ unit.training|get:"expired" }}`: a dict value in a template."""
    try:
        return mapping.get(key, 0)
    except AttributeError:
        return ""


@register.filter
def pct(value):
    """A percentage to the nearest whole number, or a dash when there is nothing to measure."""
    return "–" if value is None else f"{value:.0f}%"


@register.filter
def money(value):
    return "–" if value is None else f"£{value:,.0f}"


@register.filter
def money2(value):
    return "–" if value is None else f"£{value:,.2f}"


@register.filter
def num1(value):
    return "–" if value is None else f"{value:,.1f}"


@register.filter
def num0(value):
    return "–" if value is None else f"{value:,.0f}"
