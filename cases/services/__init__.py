"""Every write of the cases app: intake (children, reports, forwarding them) and casework (the statutory workflow)."""

from .casework import *  # noqa: F403
from .flags import *  # noqa: F403
from .forward import *  # noqa: F403
from .intake import *  # noqa: F403
from .links import *  # noqa: F403
from .retention import *  # noqa: F403
