"""Parley: an open-source autonomous customer-communication agent."""

__version__ = "0.1.0"
