"""Services of the strategy app: filters, progress, comparison, imports, reference data."""
