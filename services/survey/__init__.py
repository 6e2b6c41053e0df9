"""Survey service: organisation directory, survey templates, deployments, web form, kiosk, intake.

Writes: the directory and templates as revisions (append-only), responses with their
outgoing event in the same document (transactional outbox); the relay process is the only
writer of a response's ``outbox`` state after insert. See docs/storage.md.
"""
