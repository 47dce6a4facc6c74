"""Commands outside the DVC DAG (run from the project root with ``python -m commands.X``)."""
