"""The intake baseline: a bare Flask endpoint that answers 201, nothing else.

Served under the same gunicorn settings as the survey service (services/gunicorn_conf.py,
same workers and threads), so the ratio survey / baseline is what Tanggap's own work costs.
"""
from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask("tanggap-bench-baseline")

    @app.post("/api/v1/responses")
    def accept():
        request.get_json(silent=True)  # read the body, as the real endpoint does
        return jsonify(status="accepted"), 201

    return app
