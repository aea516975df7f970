"""Services of the calls app: documents, the application workflow, eligibility."""
