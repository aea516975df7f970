"""Pages of accounts: one's own account and organisations, invitations, and staff's people."""
