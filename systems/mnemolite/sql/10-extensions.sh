#!/usr/bin/env bash
# MnemoLite's extensions (seed 000: pgvector, pg_partman, pg_cron).
#
# The postgres image's entrypoint sources this file on the first start (empty PGDATA), after
# 05-owner-role.sh. The admin (POSTGRES_USER) creates them: `vector` always; pg_partman and
# pg_cron only when MNEMO_OPTIONAL_EXTENSIONS lists them, which the StatefulSet sets only when
# the configured image provides them (together with shared_preload_libraries), and grants the
# application role ($MNEMO_DB_OWNER) what it needs to use them. Safe to run again by hand.
psql -v ON_ERROR_STOP=1 --single-transaction --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
  --set=optional_extensions="${MNEMO_OPTIONAL_EXTENSIONS:-}" --set=owner="$MNEMO_DB_OWNER" \
  --file "$(dirname "${BASH_SOURCE[0]}")/extensions.psql"
