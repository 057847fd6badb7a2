"""Regulators: the registry, each incident's obligations and deadlines, notices."""
