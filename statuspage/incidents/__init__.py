"""Incidents and maintenance: publishing, reading, drafts, templates, update cadence."""
