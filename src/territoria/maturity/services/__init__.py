"""Services of the maturity app: questionnaires in and out of the database."""
