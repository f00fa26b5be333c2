"""Errors and logs (docs/architecture.md#errors-and-logs): the request id, JSON log lines, the error mail to ADMINS
and the optional Sentry reports, none of which carries a child's or a reporter's data."""
