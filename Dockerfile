# One image for the three services and their workers; the command picks which runs.
FROM python:3.11-slim

# matplotlib (dashboard charts) needs a writable config and font-cache directory; the cache is
# built once here instead of in every worker at its first chart.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MPLBACKEND=Agg MPLCONFIGDIR=/app/.cache/matplotlib
WORKDIR /app

COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install . && useradd --system --uid 10001 tanggap \
    && python -c "import matplotlib.font_manager" && chown -R tanggap /app/.cache
USER tanggap

# Default: the survey API. docker-compose.yml sets the command of every other process.
EXPOSE 8001 8002 8003
CMD ["gunicorn", "-c", "services/gunicorn_conf.py", "--bind", "0.0.0.0:8001", "services.survey.app:create_app()"]
