"""The read side: indicator reports for a period (``reports``) and what the public may see
(``publication``). Reads state only, never raw responses."""
