"""pytest plugin shipped to plugin authors (``pytest11`` entry point): fixtures for wwiseflowd."""
