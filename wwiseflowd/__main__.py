"""``python -m wwiseflowd``."""

from wwiseflowd.cli import main

if __name__ == "__main__":
    main()
