"""Surveys: templates as data (``spec``), finding templates and deployments (``catalog``),
their documents (templates, deployments, kiosk devices) and QR codes."""
