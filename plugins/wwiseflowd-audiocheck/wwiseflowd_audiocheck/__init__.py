"""wwiseflowd-audiocheck: the audioCheck node type (work in progress)."""
