"""Documents more than one service reads: the directory (units, services, employees), web
users, and citizens' responses with their outbox. Who writes each is in docs/storage.md."""
