"""The writes of saved searches (a list's filters saved under a name by a user): save, rename, delete, each audited.

The filters arrive checked against their list (home/saved_searches.py, which knows the lists' forms); here the rules
that hold for every list: a name, unique per user, and at most SAVED_SEARCH_CAP searches per user."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from childprotect.accounts.models import User
from childprotect.audit.actions import SavedSearchAction
from childprotect.audit.services import audit_record
from childprotect.text import nfc

from .models import SAVED_SEARCH_CAP, SavedList, SavedSearch

NAME_MAX = 80


def _name(user: User, name: str, *, other_than: int | None = None) -> str:
    name = " ".join(nfc(name).split())
    if not name:
        raise ValidationError({"name": _("Hãy đặt tên cho bộ lọc.")}, code="required")
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("Tên bộ lọc tối đa 80 ký tự.")}, code="max_length")
    taken = SavedSearch.objects.filter(user=user, name=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise ValidationError({"name": _("Bạn đã có một bộ lọc mang tên này.")}, code="unique")
    return name


def saved_search_save(*, actor: User, name: str, list_name: str, query: dict[str, str]) -> SavedSearch:
    if list_name not in SavedList.values:
        raise ValidationError(_("Danh sách này không lưu được bộ lọc."), code="invalid")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one save at a time per user: the cap holds
        clean = _name(actor, name)
        if SavedSearch.objects.filter(user=actor).count() >= SAVED_SEARCH_CAP:
            raise ValidationError(
                _("Mỗi người lưu được tối đa %(n)d bộ lọc; hãy xoá bớt bộ lọc cũ.") % {"n": SAVED_SEARCH_CAP},
                code="cap",
            )
        search = SavedSearch.objects.create(user=actor, name=clean, list_name=list_name, query=query)
        audit_record(
            actor=actor, action=SavedSearchAction.SAVE, obj=search, changes={"list": list_name, "query": query}
        )
    return search


def saved_search_rename(*, actor: User, search: SavedSearch, name: str) -> SavedSearch:
    if search.user_id != actor.pk:
        raise ValidationError(_("Bộ lọc này không phải của bạn."), code="forbidden")
    with transaction.atomic():
        old, search.name = search.name, _name(actor, name, other_than=search.pk)
        search.save(update_fields=["name"])
        audit_record(actor=actor, action=SavedSearchAction.RENAME, obj=search, changes={"name": [old, search.name]})
    return search


def saved_search_delete(*, actor: User, search: SavedSearch) -> None:
    if search.user_id != actor.pk:
        raise ValidationError(_("Bộ lọc này không phải của bạn."), code="forbidden")
    with transaction.atomic():
        audit_record(actor=actor, action=SavedSearchAction.DELETE, obj=search, changes={"name": search.name})
        search.delete()
