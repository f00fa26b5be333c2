"""The pages that manage API clients and tokens (docs/api.md#clients): administrators register clients, change them,
pause them, issue and revoke their tokens and rotate their webhook keys; everyone else gets a 404, as on the other
administrators' pages. Any person manages their own tokens (`token_list`).

A token or a webhook key is shown once, in the answer to the POST that made it: never in a redirect, the session or
a message, and the page is not kept by any cache (Cache-Control: no-store, childprotect/security.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_manage_api_clients, is_system_account
from childprotect.forms import apply_service_errors, take_step
from childprotect.http import AuthenticatedRequest

from . import selectors, services
from .client_forms import ClientEditForm, ClientForm, TokenForm
from .models import ApiClient


def _require_manager(request: AuthenticatedRequest) -> None:
    if not can_manage_api_clients(request.user):
        raise Http404


def _issue(request: AuthenticatedRequest, form: TokenForm, account: User) -> str | None:
    """Issue a token for `account` from a bound token form: the token in clear, or None (the form has the errors)."""
    if not form.is_valid():
        return None
    try:
        _token, plain = services.token_issue(
            actor=request.user, account=account, label=form.cleaned_data["label"], days=form.cleaned_data["days"]
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    return plain


def _shown_once(kind: str, value: str) -> dict[str, str]:
    """What the page shows once: a token or a webhook signing key, in clear."""
    return {"kind": kind, "value": value}


@login_required
def client_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_manager(request)
    return render(request, "api/client_list.html", {"clients": selectors.clients_visible_to(request.user)})


@login_required
def client_create(request: AuthenticatedRequest) -> HttpResponse:
    _require_manager(request)
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_register(actor=request.user, **form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Đã đăng ký hệ thống đối tác “%(name)s”.") % {"name": client.name})
            if client.webhook_secret:  # its webhook's signing key: shown now, in this answer, and never again
                return _detail(request, client, shown=_shown_once("secret", client.webhook_secret))
            return redirect("api:client_detail", pk=client.pk)
    return render(request, "api/client_form.html", {"form": form})


def _edit_form(client: ApiClient, data: Any = None) -> ClientEditForm:
    initial = {
        "name": client.name,
        "kind": client.kind,
        "scope": client.account.unit,
        "contact": client.contact,
        "rate_limit": client.rate_limit,
        "webhook_url": client.webhook_url,
        "version": client.version,
    }
    return ClientEditForm(data, initial=initial)


def _detail(
    request: AuthenticatedRequest,
    client: ApiClient,
    *,
    shown: dict[str, str] | None = None,
    edit: ClientEditForm | None = None,
    token_form: TokenForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "api/client_detail.html",
        {
            "client": client,
            "tokens": selectors.tokens_of(client.account),
            "edit_form": edit or _edit_form(client),
            "token_form": token_form or TokenForm(prefix="token"),
            "shown": shown,
            "now": timezone.now(),
        },
    )


@login_required
def client_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The client, its tokens, and the forms that act on it; each form posts here with its `action`."""
    client = selectors.client_get_for(request.user, pk)
    if request.method != "POST":
        return _detail(request, client)
    action = request.POST.get("action", "edit")
    if action == "issue":
        token_form = TokenForm(request.POST, prefix="token")
        plain = _issue(request, token_form, client.account)
        if plain is not None:
            return _detail(request, client, shown=_shown_once("token", plain))
        return _detail(request, client, token_form=token_form)
    if action == "revoke":
        token = selectors.client_token_get(client, _pk(request.POST.get("token")))
        services.token_revoke(actor=request.user, token=token)
        messages.success(request, _("Đã thu hồi mã truy cập %(prefix)s…") % {"prefix": token.prefix})
        return redirect("api:client_detail", pk=client.pk)
    if action in ("pause", "resume"):
        services.client_set_active(actor=request.user, client=client, active=action == "resume")
        done = _("Đã cho kết nối lại.") if action == "resume" else _("Đã tạm dừng kết nối của hệ thống đối tác.")
        messages.success(request, done)
        return redirect("api:client_detail", pk=client.pk)
    if action == "rotate":
        try:
            client, secret = services.webhook_secret_rotate(actor=request.user, client=client)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("api:client_detail", pk=client.pk)
        return _detail(request, client, shown=_shown_once("secret", secret))
    return _edit(request, client)


def _edit(request: AuthenticatedRequest, client: ApiClient) -> HttpResponse:
    form = _edit_form(client, request.POST)
    if not form.is_valid():
        return _detail(request, client, edit=form)
    saved: dict[str, Any] = {}

    def save() -> None:
        saved["client"], saved["secret"] = services.client_update(
            actor=request.user, client=client, version=form.cleaned_data["version"], **form.values()
        )

    failed = take_step(form, save, rebind=lambda data: _edit_form(client, data), record=client)
    if failed is not None:
        return _detail(request, client, edit=failed)
    messages.success(request, _("Đã lưu hệ thống đối tác."))
    if saved["secret"]:  # the webhook URL was set for the first time: its signing key, shown once
        return _detail(request, saved["client"], shown=_shown_once("secret", saved["secret"]))
    return redirect("api:client_detail", pk=client.pk)


def _pk(value: str | None) -> int:
    if value is None or not value.isdigit():
        raise Http404
    return int(value)


@login_required
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    """A person's own tokens (for the product's own clients, such as the field app): issue one, revoke one."""
    if is_system_account(request.user):
        raise Http404  # a system account signs in with tokens only; were it ever signed in, it has no page here
    form = TokenForm(prefix="token")
    shown = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            token = selectors.own_token_get(request.user, _pk(request.POST.get("token")))
            services.token_revoke(actor=request.user, token=token)
            messages.success(request, _("Đã thu hồi mã truy cập %(prefix)s…") % {"prefix": token.prefix})
            return redirect("api:token_list")
        form = TokenForm(request.POST, prefix="token")
        plain = _issue(request, form, request.user)
        if plain is not None:
            shown, form = _shown_once("token", plain), TokenForm(prefix="token")
    return render(
        request,
        "api/token_list.html",
        {"tokens": selectors.own_tokens(request.user), "form": form, "shown": shown, "now": timezone.now()},
    )
