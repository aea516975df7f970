# Django reads each language's formats from its own module; Belgium uses one set for all four.
from territoria.formats.belgium import *  # noqa: F403
