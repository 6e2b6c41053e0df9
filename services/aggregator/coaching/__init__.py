"""Coaching: the rules (pure), evaluating them for what a batch touched (``evaluation``), and
the insert-only case records with their events (``cases``)."""
