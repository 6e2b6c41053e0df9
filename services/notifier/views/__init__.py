"""HTTP: the inbox and delivery APIs and the inbox pages."""
