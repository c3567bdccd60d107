"""``{% clock_warnings %}``: the warnings about the box's clock, on every staff page."""

from __future__ import annotations

from typing import Any

from django import template

from cartable.access import clock

register = template.Library()


@register.inclusion_tag("access/_clock_warnings.html", takes_context=True)
def clock_warnings(context: Any) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    staff = user is not None and user.is_authenticated and user.is_staff_member
    return {"warnings": clock.warnings() if staff else []}
