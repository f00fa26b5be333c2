"""The one engine that takes a step of a workflow table (docs/architecture.md#workflows).

Each app keeps its procedure as one table of transitions in its `workflow.py` (cases, referrals, periodic reports);
each row names the action, its label, the states it starts from, the state it leads to, its handler and its form. A
`Workflow` binds a table to its model and history: how to lock a record, the messages it refuses with, and what the
table's flags do around the handler. `Workflow.act` then takes a step in six phases, the same for every table:

1. lookup: the transition of the action (unknown: refused);
2. lock: the record, `select_for_update`, in one transaction;
3. version check: the version the person edited from must be the record's (else code "stale", input kept);
4. refusal: `Workflow.refusal` (role, state, the table's checks, the row's guard; code "refused");
5. handler: the row's handler validates and writes what the step records, the table's `apply` its flags; the state
   moves to the row's target and the version is bumped;
6. event and audit: one history row (an "event": `CaseStep`, `ReferralEvent`, `ReportEvent`) and one audit entry
   in the same transaction; then the table's `after` (notifications); last, `step_taken` is sent.

`step_taken` tells the apps above (which the apps' own modules may not import) that a step was taken, inside its
transaction and after everything the step wrote (the `after` hook's too): `sender` the history model, `event` the
history row, `record` the locked record. The API listens to write its webhook events (api/apps.py); a receiver that
raises rolls the step back.

This module imports no app: the tables, their handlers and their hooks are the apps'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone

from childprotect.accounts.models import User
from childprotect.audit.services import audit_record

M = TypeVar("M", bound=models.Model)
T = TypeVar("T", bound="Transition")

Handler = Callable[["StepContext[Any]"], Any]
Guard = Callable[[User, Any], "str | None"]  # (actor, record) -> why not, or None

step_taken = Signal()  # sender: the history model; event: its row; record: the locked record (see above)


@dataclass(frozen=True)
class Transition:
    """A row of a workflow table: what every table's rows have (the apps add their own fields, such as who may take
    it, after `target`); the handler, the form and the guard are named (`handler=..., form=...`)."""

    action: str  # the code: the URL, the event row's action, the audit action's suffix
    label: str  # the step's name as users know it: the button, the page title, the history
    sources: tuple[str, ...]  # the states it may be taken from
    target: str | None  # the state it leads to; None keeps the record where it is
    _: KW_ONLY
    handler: Handler  # what the step does beyond the table; returns what its event row records
    form: type[forms.Form]  # the step's form: its cleaned data (`form.record()`) is what the handler gets
    guard: Guard | None = None  # a refusal of the row's own, asked after role and state


def event_label(table: Mapping[str, Transition], action: str, opening: tuple[str, str]) -> str:
    """What a history row is called: the (action, label) of the opening row no step of the table makes, else the
    label of its step in `table` (by action), else its code."""
    if action == opening[0]:
        return opening[1]
    row = table.get(action)
    return row.label if row else action


@dataclass
class StepContext(Generic[M]):
    """One step being taken: what the row's handler and the table's hooks are given, inside the transaction."""

    actor: User
    record: M  # the locked record
    transition: Any  # the row (the app's Transition)
    data: dict[str, Any]  # the form's record
    now: dt.datetime  # the step's time: what deadlines are settled and started by, the event row's `at`
    from_state: str
    recorded_at: dt.datetime | None = None  # the time the person recorded the step, when given (`Workflow.act`'s `at`)
    synced_at: dt.datetime | None = None  # with `recorded_at`: when the step reached the server
    changes: dict[str, Any] = field(default_factory=dict)  # added to the audit entry's changes
    event: dict[str, Any] = field(default_factory=dict)  # added to the event row's fields
    extra: dict[str, Any] = field(default_factory=dict)  # passed from `apply` to `after`


@dataclass(frozen=True, kw_only=True)
class Workflow(Generic[M, T]):
    """A workflow table bound to its model, its history and its messages."""

    transitions: tuple[T, ...]
    lock: Callable[[], models.QuerySet[M]]  # the locking queryset (select_for_update, what the step reads)
    state_field: str  # "state" or "status": on the record, and from_/to_ on its event row
    states: type[models.TextChoices]  # for the state's label in the refusal
    event_model: type[models.Model]  # the history row: CaseStep, ReferralEvent, ReportEvent
    event_of: str  # the event row's foreign key to the record
    audit_action: Callable[[str], str]  # the audit action of a step (childprotect/audit/actions.py)
    unknown: str  # refusal of an action not in the table, with {action}
    stale: str  # refusal when someone else saved first
    state_refusal: str  # refusal in another state, with {label} and {state}
    who: Callable[[User, M, T], str | None]  # refusal of the person: role, reach
    takes_part: Callable[[User, M, T], bool] = lambda actor, record, t: actor.role in getattr(t, "roles", ())
    checks: tuple[Callable[[User, M, T], str | None], ...] = ()  # the table's refusals after role and state
    event: Callable[[StepContext[M], Any], dict[str, Any]] = lambda step, result: {}  # handler's result → event
    apply: Callable[[StepContext[M]], None] | None = None  # the table's flags, after the handler, before the save
    after: Callable[[StepContext[M], Any, Any], None] | None = None  # (step, event, result), after the audit

    def get(self, action: str) -> T | None:
        return next((t for t in self.transitions if t.action == action), None)

    def by_action(self) -> dict[str, T]:
        return {t.action: t for t in self.transitions}

    def role_or_state_refusal(self, actor: User, record: M, transition: T) -> str | None:
        """Why `actor` may not take `transition` on `record` for who they are or the state it is in; None if not."""
        refusal = self.who(actor, record, transition)
        if refusal:
            return refusal
        state = getattr(record, self.state_field)
        if state not in transition.sources:
            return self.state_refusal.format(label=transition.label, state=self.states(state).label)
        return None

    def refusal(self, actor: User, record: M, transition: T) -> str | None:
        """Why `actor` may not take `transition` on `record` now, in Vietnamese; None when they may."""
        refusal = self.role_or_state_refusal(actor, record, transition)
        for check in self.checks:
            refusal = refusal or check(actor, record, transition)
        if refusal is None and transition.guard is not None:
            refusal = transition.guard(actor, record)
        return refusal

    def available(self, actor: User, record: M) -> list[T]:
        """The transitions `actor` may take on `record` now, in the table's order (the record page's buttons)."""
        state = getattr(record, self.state_field)
        return [t for t in self.transitions if state in t.sources and self.refusal(actor, record, t) is None]

    def act(
        self,
        *,
        actor: User,
        record: M,
        action: str,
        version: int,
        data: dict[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> Any:
        """Take `action` on `record`, as edited from `version`: the event row written.

        `at`: when the person recorded the step, if not now (the offline field app, docs/api.md#the-field-app). The
        step then happens at `at` (deadlines settled by it, the event row's time), unless `at` is earlier than the
        record's latest event: the history stays in order and the step happens now. Never later than now."""
        transition = self.get(action)
        if transition is None:
            raise ValidationError(self.unknown.format(action=action))
        synced = timezone.now()
        with transaction.atomic():
            locked = self.lock().get(pk=record.pk)
            versioned: Any = locked  # every workflow's record has a version (the optimistic lock)
            if versioned.version != version:
                raise ValidationError(self.stale, code="stale")
            refusal = self.refusal(actor, locked, transition)
            if refusal:
                raise ValidationError(refusal, code="refused")
            from_state = getattr(locked, self.state_field)
            now = synced
            if at is not None:
                latest = (
                    self.event_model._default_manager.filter(**{self.event_of: locked})
                    .aggregate(latest=models.Max("at"))
                    .get("latest")
                )
                now = min(at, synced) if latest is None or at >= latest else synced
            step = StepContext(actor, locked, transition, dict(data or {}), now, from_state)
            if at is not None:
                step.recorded_at, step.synced_at = at, synced
            result = transition.handler(step)
            if self.apply is not None:
                self.apply(step)
            if transition.target is not None:
                setattr(locked, self.state_field, transition.target)
            versioned.version += 1
            locked.save()
            to_state = getattr(locked, self.state_field)
            event = self.event_model._default_manager.create(
                **{
                    self.event_of: locked,
                    "action": action,
                    f"from_{self.state_field}": from_state,
                    f"to_{self.state_field}": to_state,
                    "actor": actor,
                    "at": now,
                    **step.event,
                    **self.event(step, result),
                }
            )
            audit_record(
                actor=actor,
                action=self.audit_action(action),
                obj=locked,
                changes={self.state_field: [from_state, to_state], **step.changes},
            )
            if self.after is not None:
                self.after(step, event, result)
            step_taken.send(sender=self.event_model, event=event, record=locked)
        record.refresh_from_db()
        return event
