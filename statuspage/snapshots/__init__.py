"""Public responses rendered once per page version, on disk and in memory."""
