"""Components and groups, their status and the uptime rolled up from it."""
