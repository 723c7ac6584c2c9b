#!/usr/bin/env bash
# The read-only monitoring role of postgres_exporter (the optional metrics sidecar), in every
# system. Sourced by the postgres image's entrypoint on the first start; a no-op unless the
# StatefulSet mounts the role's password ($DB_ROLE_PASSWORDS_DIR/postgres_exporter), which it
# does only when metrics are on. Turning metrics on later: run it by hand, as the README says.
if [ -s "$DB_ROLE_PASSWORDS_DIR/postgres_exporter" ]; then
  psql -v ON_ERROR_STOP=1 --single-transaction --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
    --file "$(dirname "${BASH_SOURCE[0]}")/metrics-role.psql"
fi
