"""The REAPER stand-in (NOT REAPER): what tests and the demo use where REAPER cannot be installed.

- :mod:`.render`: honours ``-renderproject FILE.rpp`` by writing, for each region in the render
  bounds, a WAV of the region's length at the render sample rate, channels and bit depth, named by
  the render pattern into ``RENDER_FILE``. Silence plus a quiet tone: never real audio.
- :mod:`.web`: serves the documented web remote commands (``/_/TRANSPORT;REGION;MARKER``, action
  42230) for one loaded project.
- :mod:`.projects`: writes ``.RPP`` files in REAPER 4/5/6/7 syntax for tests, the demo and benches.

Console script: ``wwiseflowd-reaper-sim`` (see :mod:`.cli`).
"""
