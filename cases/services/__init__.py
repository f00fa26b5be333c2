"""Every write of the cases app: intake (children, reports) and casework (the statutory workflow)."""

from .casework import *  # noqa: F403
from .intake import *  # noqa: F403
from .intake import CHILD_FIELDS, CHILD_PROTECTED, REPORT_FIELDS, REPORTER_FIELDS  # noqa: F401
