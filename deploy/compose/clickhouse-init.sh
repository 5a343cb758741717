#!/bin/bash
# Run once by the ClickHouse image on a new volume: a read-only user for Grafana on vigil's
# database (readonly = 2 still lets the data source set its per-query settings).
set -euo pipefail
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE DATABASE IF NOT EXISTS vigil;
CREATE USER IF NOT EXISTS grafana IDENTIFIED BY '${GRAFANA_CLICKHOUSE_PASSWORD}' SETTINGS readonly = 2;
GRANT SHOW TABLES, SELECT ON vigil.* TO grafana;
SQL
