"""Wording: templates per pack and language, tone by tier and mood."""
