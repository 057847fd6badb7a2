"""The shared kernel every domain uses: domain errors, input validation."""
