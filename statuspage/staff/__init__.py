"""Staff accounts, API keys and what each role may do."""
