"""gunicorn settings for `make run` and the benchmark; production: deploy/gunicorn.conf.py."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
accesslog = "-" if os.environ.get("ACCESS_LOG") else None
