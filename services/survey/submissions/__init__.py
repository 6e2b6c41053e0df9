"""Citizens' and colleagues' submissions: resolving what a response is about, rate limits,
the web form read into the API's body, and accepting a response with its event (outbox)."""
