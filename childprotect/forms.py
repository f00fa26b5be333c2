"""Shared form behaviour: Bootstrap classes on every widget, so templates render fields with one include."""

from __future__ import annotations

from typing import Any

from django import forms


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
