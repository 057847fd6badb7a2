"""The crisis team, executives' briefings, internal notices, the communication report."""
