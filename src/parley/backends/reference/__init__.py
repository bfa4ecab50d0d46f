"""The reference backend: the company's systems (CRM, orders, billing…) as SQL tables behind the ports.

`SqlBackend` (in `backend.py`) is the adapter; `io.py` imports and exports the CONTRACT §3 format.
"""
