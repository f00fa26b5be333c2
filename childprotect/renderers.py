"""How a form field is drawn: Django 5's field groups with the project's own template.

`{{ form.<field>.as_field_group }}` (or `{{ field.as_field_group }}` in a loop) renders templates/_field.html with
`field` bound to the field: its Bootstrap label (with the red * of a required field), widget, errors and help text,
and the fieldset and legend of a group of checkboxes or radio buttons. A field that needs other markup sets its own
`template_name` on the form field (Django looks there first), and extra attributes (a class, a hint, `autocomplete`)
go on the widget's `attrs` in the form class, never in a template.

The renderer reads the project's TEMPLATES (TemplatesSetting), so templates/ is searched first; Django's own widget
templates come from "django.forms" in INSTALLED_APPS.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class ProjectFormRenderer(TemplatesSetting):
    field_template_name = "_field.html"
