"""The dialogue engine: one LangGraph run per customer message, on a thread per session."""
