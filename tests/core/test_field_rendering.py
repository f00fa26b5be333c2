"""Every form field is drawn by templates/_field.html through Django 5's field groups (`{{ field.as_field_group }}`,
childprotect/renderers.py): the Bootstrap label with its red star, the widget, the errors and the help text."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings


class _Sample(forms.Form):
    name = forms.CharField(label="Họ và tên", help_text="Như trên giấy khai sinh.")
    confirmed = forms.BooleanField(label="Đã xác nhận", required=False)
    groups = forms.MultipleChoiceField(
        label="Nhóm", choices=[("a", "Nhóm a"), ("b", "Nhóm b")], widget=forms.CheckboxSelectMultiple
    )


def test_a_field_group_is_the_project_field_with_label_star_error_and_help_text():
    form = _Sample(data={})

    html = form["name"].as_field_group()

    assert html.startswith('<div class="mb-3">')
    assert (
        '<label class="form-label" for="id_name">Họ và tên <span class="text-danger" aria-hidden="true">*</span>'
        in html
    )
    assert 'aria-describedby="id_name_helptext id_name_error"' in html and 'aria-invalid="true"' in html
    assert '<div class="invalid-feedback d-block">Trường này là bắt buộc.</div>' in html
    assert '<div class="form-text">Như trên giấy khai sinh.</div>' in html


def test_checkboxes_and_choice_lists_keep_their_bootstrap_markup():
    form = _Sample(data={"groups": ["z"]})

    checkbox = form["confirmed"].as_field_group()
    choices = form["groups"].as_field_group()

    assert checkbox.startswith('<div class="mb-3 form-check">')
    assert '<label class="form-check-label" for="id_confirmed">Đã xác nhận</label>' in checkbox
    assert '<fieldset class="is-invalid" aria-invalid="true">' in choices
    assert '<legend class="form-label fs-6 mb-1">Nhóm <span class="text-danger" aria-hidden="true">*</span>' in choices
    assert '<label class="form-check-label" for="id_groups_1">Nhóm b</label>' in choices


def test_no_template_includes_the_field_template_by_hand():
    templates = Path(settings.BASE_DIR) / "templates"
    found = [str(p) for p in templates.rglob("*.html") if 'include "_field.html"' in p.read_text(encoding="utf-8")]

    assert found == []
