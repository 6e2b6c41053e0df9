"""The contract between services: the versioned event envelope (``events``), the payload schema
of each event type (``payloads``), the fast path that accepts common valid events quickly
(``fastpath``), and the field formats every way in shares (``formats``)."""
