"""Domain exceptions; the web layers turn them into clear 4xx answers."""


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class InvalidInput(DomainError):
    """The caller asked for something the domain does not allow; the message says what."""


class NotFound(DomainError):
    """No such record, or none the caller may see (the two are indistinguishable on purpose)."""
