"""Built-in behaviour written as ordinary plugins (listed in ``wwiseflowd.plugins.DEFAULT_PLUGINS``)."""
