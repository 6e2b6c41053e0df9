"""HTTP: the API blueprints and the pages, on top of everything else in the service."""
