"""Role checks for views: who may open which page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from cartable.accounts.models import Role, User
from cartable.audit.actions import record_repeated

View = Callable[..., HttpResponseBase]


def role_required(*roles: Role) -> Callable[[View], View]:
    """Anonymous users go to the sign-in page; signed-in users of another role get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied  # noted in the audit log by the 403 page
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def note_refusal(request: HttpRequest) -> None:
    """Log a signed-in user's attempt at a page they may not open (a learner trying a staff
    page or a teacher's): staff want to know who probes the box. A learner asking for page
    after page is logged once, then counted (``record_repeated``)."""
    path = request.path[:500]
    user: User = request.user  # type: ignore[assignment]
    record_repeated(
        "access.refused",
        actor=user,
        target=user,  # filed under the establishment of whoever tried
        about=path,
        details={"path": path, "method": request.method or ""},
        request=request,
    )


signed_in = role_required(*Role)
staff_only = role_required(Role.STAFF, Role.ADMIN)
admin_only = role_required(Role.ADMIN)
