"""Foundation tests: config, plugins, CLI, logging."""
