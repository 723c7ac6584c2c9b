#!/usr/bin/env bash
# The role the nightly pg_dump runs as, in every system: it logs in and reads every table through
# pg_read_all_data, and can write nothing. Sourced by the postgres image's entrypoint on the first
# start; a no-op unless the StatefulSet mounts the role's password
# ($DB_ROLE_PASSWORDS_DIR/postgres_backup), which it does when backups are on. On a database made
# before this role existed, run it by hand, as the README says (it is safe to run twice).
if [ -s "$DB_ROLE_PASSWORDS_DIR/postgres_backup" ]; then
  psql -v ON_ERROR_STOP=1 --single-transaction --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
    --file "$(dirname "${BASH_SOURCE[0]}")/backup-role.psql"
fi
