"""Shared form behaviour: Bootstrap classes on every widget, so templates render fields with one include."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
