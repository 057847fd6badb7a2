"""The audit trail: every staff and API write, append-only and hash-chained."""
