"""Indicator state: how an event is folded into a state document (``fold``), where documents
live and how they are read back (``store``), the officer index, and what documents add up to
(``results``: pure)."""
