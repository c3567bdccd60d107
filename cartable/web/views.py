"""Pages every role shares: the home page dispatch, the language switch, and the health check."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views.decorators.http import require_POST, require_safe

from cartable.accounts.access import note_refusal, signed_in
from cartable.accounts.actions import set_language
from cartable.accounts.language import remember_language
from cartable.accounts.models import Role
from cartable.learning import views as learning_views
from cartable.messaging.access import unread_count


@signed_in
def home(request: HttpRequest) -> HttpResponseBase:
    """Each role lands on its own home page."""
    role = request.user.role  # type: ignore[union-attr]
    if role == Role.LEARNER:
        unread = unread_count(request.user)  # type: ignore[arg-type]
        return learning_views.learner_home(request, unread_messages=unread)
    if role == Role.TEACHER:
        return learning_views.teacher_home(request)
    return redirect("accounts:list")


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """``ok`` when the server answers: for operators' checks (a supervisor, a load balancer)
    and the benchmark's bare rows. No template and no database work of its own, so that it
    costs what every request costs (the middleware) and nothing more."""
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language (a plain form: works without JavaScript)."""
    code = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        activate(code)
        remember_language(response, code)
        if request.user.is_authenticated:
            set_language(request.user, code)
    return response


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        note_refusal(request)
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
