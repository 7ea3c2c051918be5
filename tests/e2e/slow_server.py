"""A weak signal or a busy server, played by the live server's own view functions."""

from __future__ import annotations

import time


def slow_once(app, endpoint: str, seconds: float) -> None:
    """Make the next request to `endpoint` take `seconds`."""
    view = app.view_functions[endpoint]
    pending = [seconds]

    def slow(*args, **kwargs):
        if pending:
            time.sleep(pending.pop())
        return view(*args, **kwargs)

    app.view_functions[endpoint] = slow
