"""Persistence: models, sessions, queries and Alembic migrations."""
