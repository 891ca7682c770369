"""Jurisdiction: 2017 interpretation on infringing citizens' personal information."""
