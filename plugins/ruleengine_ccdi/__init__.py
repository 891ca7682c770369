"""Jurisdiction: Party discipline as the CCDI enforces it, with the criminal layer for graft."""
