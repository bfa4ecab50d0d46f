"""What Parley itself keeps in its database: conversations, transcript, action log, escalations, outbox.

The reference backend's tables live in the same metadata (see `parley.store.base`) so that one Alembic
history creates and evolves the whole schema.
"""
