"""The status page itself: its one row, its version and its settings."""
