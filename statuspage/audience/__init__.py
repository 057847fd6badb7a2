"""Who may see and who receives: visibility, recipients, reach, segments, organizations, viewers."""
