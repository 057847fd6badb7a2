"""Channel adapters, one per file, behind one small interface (`base.Channel`)."""
