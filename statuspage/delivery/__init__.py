"""The delivery engine: notices, deliveries, the send loop, the outbox, progress."""
