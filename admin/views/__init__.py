"""Admin views, one module per screen; each handler parses a form and calls one service."""
