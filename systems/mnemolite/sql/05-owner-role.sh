#!/usr/bin/env bash
# MnemoLite's application role ($MNEMO_DB_OWNER, mnemo): it owns the database, and with it the
# public schema where the app creates its tables, and is neither superuser nor able to create
# roles or databases or to bypass row security. The API and the worker log in as it; the admin
# (POSTGRES_USER, postgres) is for init, the side roles and restores only.
#
# The postgres image's entrypoint sources this file on the first start (empty PGDATA), after it
# has created POSTGRES_DB owned by POSTGRES_USER. Safe to run again by hand (for example after a
# password rotation); migrate-superuser.bash runs it when moving a cluster made with mnemo as
# POSTGRES_USER. The password is read from the file the StatefulSet mounts from the role's Secret.
if [ ! -s "$DB_ROLE_PASSWORDS_DIR/$MNEMO_DB_OWNER" ]; then
  echo "05-owner-role.sh: no password for role $MNEMO_DB_OWNER in $DB_ROLE_PASSWORDS_DIR/$MNEMO_DB_OWNER: create its Secret (npm run secrets)" >&2
  return 1 2>/dev/null || exit 1
fi
psql -v ON_ERROR_STOP=1 --single-transaction --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
  --set=owner="$MNEMO_DB_OWNER" --file "$(dirname "${BASH_SOURCE[0]}")/owner-role.psql"
