"""`makemessages`, knowing the field app's short names for gettext (docs/field.md#translations).

The field app's modules write `t("…")` for `gettext("…")` and `fmt("… %(n)s …", {n})` for
`interpolate(gettext("…"), …)` (static/field/js/ui.js); xgettext finds only the names it is told, so the JavaScript
domain is run with those two added. Python's domain is left as Django runs it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

JS_KEYWORDS = ["--keyword=t", "--keyword=fmt"]


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("domain") == "djangojs":
            self.xgettext_options = [*makemessages.Command.xgettext_options, *JS_KEYWORDS]
        super().handle(*args, **options)
