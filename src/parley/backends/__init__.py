"""Ports to the company's systems (CRM, orders, loyalty, billing…) and their adapters."""
