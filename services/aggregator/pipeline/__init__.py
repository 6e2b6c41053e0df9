"""The write side's processes: the worker that folds events into state and decides coaching
cases, and the full recomputation (rebuild / verify)."""
