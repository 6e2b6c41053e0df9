"""HTTP: the API blueprints and the citizen pages (web form, kiosk)."""
