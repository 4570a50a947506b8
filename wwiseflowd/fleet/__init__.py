"""A fleet of daemons on Redis: the work queue of executions, the roster, the daemon's worker.

- :mod:`.queue`: one Redis Stream per project, consumer group ``daemons``, leases by idle time;
- :mod:`.roster`: heartbeats and the ``GET /fleet`` view;
- :mod:`.worker`: the daemon's loop that takes and runs the executions of the projects it serves;
- :mod:`.submit`: what the service layer calls for ``RunRequest(project=...)``;
- :mod:`.door`: ``[fleet]``'s model, the worker as a daemon front door and ``GET /fleet``
  (declared by the built-in plugin :mod:`wwiseflowd.default_plugins.fleet`).

docs/fleet.md has the design, the deployment recipe and what happens on each failure.
"""
