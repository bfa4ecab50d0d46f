"""Alembic environment and revisions for every table Parley creates (shipped inside the wheel)."""
