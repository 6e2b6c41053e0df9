"""Test helpers: isolated settings, real service processes, reading topics."""
