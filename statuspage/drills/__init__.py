"""Crisis drills: a scenario (YAML) run in accelerated time in a sandbox, and its report."""
