"""Shared form behaviour: Bootstrap classes on every widget, so templates render fields with one include; a service's
refusals on its form; the page of a workflow step (`step_form`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from childprotect.workflow import Workflow

F = TypeVar("F", bound=forms.Form)


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")
            if isinstance(field, forms.DateField):
                widget.attrs.setdefault("placeholder", "dd/mm/yyyy")
                widget.attrs.setdefault("inputmode", "numeric")
            if isinstance(field, forms.DateTimeField):
                widget.attrs.setdefault("placeholder", "dd/mm/yyyy hh:mm")


def apply_service_errors(form: forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal on the form: field errors on their fields (through `aliases` where the service's key is
    not the form's field name), the rest above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = (aliases or {}).get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def with_version(data: Any, version: int) -> Any:
    """The posted input with the version the record has now (after someone else saved it)."""
    fresh = data.copy()
    fresh["version"] = str(version)
    return fresh


def take_step(
    form: F,
    call: Callable[[], object],
    *,
    rebind: Callable[[Any], F],
    record: Any,
    aliases: dict[str, str] | None = None,
) -> F | None:
    """Run the service `call()` for a valid `form`: None when it went through; otherwise the form to show again.

    A refusal shows the service's errors on the form. When someone else saved the record first (a ValidationError
    with code "stale"), `record` is reloaded and the posted input is bound again (`rebind(data)`) on the version saved
    now, so that the user keeps what they typed and sending again can succeed.
    """
    try:
        call()
    except ValidationError as exc:
        if getattr(exc, "code", None) == "stale":
            record.refresh_from_db()
            form = rebind(with_version(form.data, record.version))
            form.is_valid()
        apply_service_errors(form, exc)
        return form
    return None


def refused_post(form: F, refusal: str, *, version: int) -> F:
    """A step posted after someone else moved the record on, so that it may no longer be taken: the form again with
    what the user typed, why it cannot be taken, and (when the page was out of date) that someone else saved first.

    Redirecting instead would lose the input of the second of two people acting at once."""
    form.is_valid()
    if form.data.get("version") != str(version):
        form.add_error(
            None,
            _(
                "Hồ sơ vừa được người khác cập nhật trong lúc bạn nhập. Nội dung bạn nhập vẫn còn dưới đây; "
                "hãy xem lại bước hiện tại của hồ sơ."
            ),
        )
    form.add_error(None, refusal)
    return form


def step_form(
    request: Any,
    flow: Workflow[Any, Any],
    record: Any,
    action: str,
    *,
    back: str,
    initial: dict[str, Any] | None = None,
    form_kwargs: dict[str, Any] | None = None,
    data: Callable[[forms.Form], dict[str, Any]] | None = None,
    ready: Callable[[], bool] = lambda: True,
    done: Callable[[], str] | None = None,
) -> tuple[Any, forms.Form] | HttpResponse:
    """A step's page (childprotect/workflow.py): its form (GET) and taking it (POST); the transition and the form to
    show, or where to go next.

    An action not in the table is missing (404); a person who takes no part in it is refused (403), one who may not
    take it now is told why on the record's page `back` (GET) or on the form with their input kept (POST). A valid
    post (and `ready()`, the other forms posted with it) calls `flow.act` with `data(form)` (the form's `record()`),
    says what was recorded and goes to `done()` (else `back`)."""
    transition = flow.get(action)
    if transition is None:
        raise Http404
    refusal = flow.refusal(request.user, record, transition)
    if refusal and not flow.takes_part(request.user, record, transition):
        raise PermissionDenied(refusal)
    if refusal and request.method != "POST":
        messages.error(request, refusal)
        return redirect(back)
    kwargs = form_kwargs or {}
    # Bound on every POST, even an empty one: a refused post is shown with its errors (`refused_post`).
    post_data = request.POST if request.method == "POST" else None
    form = transition.form(post_data, initial=initial if initial is not None else {"version": record.version}, **kwargs)
    if refusal:  # posted after someone else moved the record on: told why, input kept
        form = refused_post(form, refusal, version=record.version)
    elif request.method == "POST" and form.is_valid() and ready():
        version = form.cleaned_data["version"]
        posted = data(form) if data is not None else form.record()
        failed = take_step(
            form,
            lambda: flow.act(actor=request.user, record=record, action=action, version=version, data=posted),
            rebind=lambda posted_data: transition.form(posted_data, **kwargs),
            record=record,
        )
        if failed is None:
            messages.success(request, _("Đã ghi nhận: %(step)s.") % {"step": transition.label})
            return redirect(done() if done is not None else back)
        form = failed
    return transition, form
