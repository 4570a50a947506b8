"""A fleet of daemons on Redis: the work queue of executions, the roster, the daemon's worker.

- :mod:`.queue`: one Redis Stream per project, consumer group ``daemons``, leases by idle time;
- :mod:`.roster`: heartbeats and the ``GET /fleet`` view;
- :mod:`.worker`: the daemon's loop that takes and runs the executions of the projects it serves;
- :mod:`.submit`: what the service layer calls for ``RunRequest(project=...)``;
- :mod:`.plugin`: the built-in plugin that declares ``[fleet]`` and runs the worker as a front door.

docs/fleet.md has the design, the deployment recipe and what happens on each failure.
"""
