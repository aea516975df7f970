# Django reads each language's formats from its own module: Belgian dates in all four,
# numbers as CLDR writes them in English: a comma between thousands, a decimal point.
from territoria.formats.belgium import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
