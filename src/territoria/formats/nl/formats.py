# Django reads each language's formats from its own module: Belgian dates in all four,
# numbers as CLDR writes them in Dutch: a dot between thousands, a decimal comma.
from territoria.formats.belgium import *  # noqa: F403

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
