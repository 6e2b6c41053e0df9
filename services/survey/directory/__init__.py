"""Importing a staff register (CSV or JSON) into the shared directory."""
