"""Open Data: the ODSQL language, and (with the Open Data issue) the dataset registry and API."""
