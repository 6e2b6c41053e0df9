"""What every process stands on: configuration from the environment, the database connection,
the Flask app factory and request checks, tokens and web logins, errors, logs, the clock,
revisioned records, leases and the process runner."""
