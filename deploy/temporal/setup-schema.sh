#!/usr/bin/env sh
# Creates or upgrades the Temporal server's two PostgreSQL databases (persistence and
# visibility) with temporal-sql-tool. Idempotent: run before every server start, by
# `npm run start:cluster` and by docker-compose's temporal-schema service alike.
#
# Environment: TEMPORAL_SQL_TOOL (the temporal-sql-tool binary), TEMPORAL_SCHEMA_DIR (the
# server module's schema/postgresql/v12), TEMPORAL_DB_HOST, TEMPORAL_DB_PORT, TEMPORAL_DB_USER,
# TEMPORAL_DB_PASSWORD, TEMPORAL_DB (temporal), TEMPORAL_VISIBILITY_DB (temporal_visibility).
set -eu

tool=${TEMPORAL_SQL_TOOL:-temporal-sql-tool}
schema=${TEMPORAL_SCHEMA_DIR:?TEMPORAL_SCHEMA_DIR is not set}
export SQL_PLUGIN=postgres12
export SQL_HOST="${TEMPORAL_DB_HOST:-127.0.0.1}"
export SQL_PORT="${TEMPORAL_DB_PORT:-5432}"
export SQL_USER="${TEMPORAL_DB_USER:-postgres}"
export SQL_PASSWORD="${TEMPORAL_DB_PASSWORD:-}"

setup() { # database, versioned schema folder
  # create-database fails when the database exists: that is the idempotent case.
  "$tool" --db "$1" create-database >/dev/null 2>&1 || true
  # setup-schema -v 0.0 only creates the version table, and skips it when present.
  "$tool" --db "$1" setup-schema -v 0.0
  "$tool" --db "$1" update-schema -d "$2"
}

setup "${TEMPORAL_DB:-temporal}" "$schema/temporal/versioned"
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" "$schema/visibility/versioned"
