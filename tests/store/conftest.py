"""Fixtures: `db` (SQLite, plus PostgreSQL when PARLEY_TEST_DATABASE_URL is set) and `demo_db`."""

from tests.pg import _cheap_code_word_hashing, db, demo_db, postgres_url, sqlite_template  # noqa: F401
