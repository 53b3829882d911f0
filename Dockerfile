FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Quotation PDFs: WeasyPrint lays out with pango; Chinese text needs the Noto CJK fonts.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
# Dependencies first (a layer of their own, rebuilt only when pyproject.toml changes), then the code.
COPY pyproject.toml ./
RUN mkdir -p config && touch config/__init__.py \
    && pip install --no-cache-dir . && pip uninstall -y baton && rm -rf config build *.egg-info
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput
RUN useradd --create-home baton && mkdir -p /data/media && chown baton /data/media
USER baton
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
