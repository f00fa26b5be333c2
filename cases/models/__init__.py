"""The cases app's data: intake (children, reports), casework (cases, steps, deadlines, plans, reviews) and moves
(forwards, transfers, custody)."""

from .casework import *  # noqa: F403
from .intake import *  # noqa: F403
from .links import *  # noqa: F403
from .moves import *  # noqa: F403
