"""Infrastructure apart from the domain: demo data, the dev mailbox, health figures."""
