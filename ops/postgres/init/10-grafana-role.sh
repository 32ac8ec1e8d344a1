#!/bin/sh
# Runs once, when the postgres image initialises an EMPTY data directory (docker-entrypoint-initdb.d).
# On an existing database, create the role by hand: docs/analytics.md, "Operators: the Links dashboard".
# hop_grafana may read every table (pg_read_all_data, Postgres >= 14) and write none: its sessions
# are read-only by default too. The stack drill runs the SQL below verbatim as its proof.
set -eu
: "${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD is not set: run bun run secrets (README, Secrets)}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role=hop_grafana -v password="$GRAFANA_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT pg_read_all_data TO :"role";
ALTER ROLE :"role" SET default_transaction_read_only = on;
SQL
