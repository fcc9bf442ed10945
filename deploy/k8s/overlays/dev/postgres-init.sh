#!/bin/sh
# Dev only: one database per aicmo service (and one for the edge's shared rate limit), each
# owned by a role of its own, as in production.
# Run once by the postgres image when its data directory is new.
set -eu
for service in venture leads distribution audit edge; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set service="$service" --set password="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
SQL
done
