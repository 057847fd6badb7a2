"""Background work: the queue wiring (queue.py) and the tasks it runs (tasks.py)."""
