"""The cases app's data: intake (children, reports) and casework (cases, steps, deadlines, plans, reviews)."""

from .casework import *  # noqa: F403
from .intake import *  # noqa: F403
