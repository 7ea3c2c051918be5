"""The app as gunicorn serves it, with each answer naming the worker process that gave it
(tests/test_login_limits_gunicorn.py)."""

import os

from audit import create_app

app = create_app()


@app.after_request
def name_the_worker(response):
    """X-Worker-Pid: which of gunicorn's workers answered."""
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
