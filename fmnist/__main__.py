"""``python -m fmnist``: the ``fmnist`` command, for when its script is not on PATH."""

from fmnist.console import main

if __name__ == "__main__":
    raise SystemExit(main())
