"""E-mail through Django's mail backend (SMTP in production, files under var/emails in development)."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.http import HttpRequest

from .base import Message, Receipt, Sent, TemporaryFailure


class EmailAdapter:
    channel = "email"
    provider = "smtp"

    def send(self, message: Message) -> Sent:
        msgid = make_msgid(idstring=message.key.replace(":", "-"))
        mail = EmailMessage(message.subject, message.text, None, [message.to], headers={"Message-ID": msgid})
        try:
            mail.send()
        except OSError as exc:  # smtplib's errors, a refused connection, a timeout: the server may take it later
            raise TemporaryFailure(f"máy chủ thư: {exc}") from exc
        return Sent(provider_id=msgid)

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        return []  # SMTP sends no receipts
