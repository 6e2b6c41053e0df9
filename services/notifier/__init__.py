"""Notifier: turns coaching-case events into notifications for the right supervisor
(e-mail, signed webhook, in-app inbox) and records the coaching loop until it is closed."""
