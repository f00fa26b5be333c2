"""The Celery task counters. Tasks run in worker processes, on other machines too; the web reads what they counted
from this table at scrape time (docs/architecture.md#metrics)."""

from __future__ import annotations

from django.db import models


class TaskOutcome(models.TextChoices):
    SUCCESS = "success", "Thành công"
    FAILURE = "failure", "Thất bại"
    RETRY = "retry", "Thử lại"


class TaskCount(models.Model):
    """How many times a task (by its Celery name) ended with an outcome, since the table was made: a counter, only
    ever increased (by one UPSERT, so two workers never lose an increment)."""

    task = models.CharField(max_length=200)
    outcome = models.CharField(max_length=10, choices=TaskOutcome.choices)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "số lần chạy tác vụ"
        verbose_name_plural = "số lần chạy tác vụ"
        constraints = [models.UniqueConstraint(fields=["task", "outcome"], name="taskcount_one_row")]

    def __str__(self) -> str:
        return f"{self.task} {self.outcome}: {self.count}"
