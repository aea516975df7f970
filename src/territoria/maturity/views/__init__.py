"""The Digiscore pages: taking an assessment and reading its report (`assessments`), and
the public barometer (`barometer`)."""
