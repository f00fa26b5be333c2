# English keeps the Vietnamese dates (dd/mm/yyyy) so that both languages read the same records the same way.
from childprotect.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
