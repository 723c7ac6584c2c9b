#!/usr/bin/env bash
# BookSync's service roles and schemas (seed 003, annex B, made least-privilege).
#
# The postgres image's entrypoint sources this file on the first start (empty PGDATA),
# after it has created POSTGRES_DB and POSTGRES_USER. It is also safe to run again by hand,
# for example after a password rotation:
#   kubectl -n booksync exec postgres-0 -- bash /docker-entrypoint-initdb.d/10-service-roles.sh
#
# Each role's password is read from the file the StatefulSet mounts from the role's Secret,
# $DB_ROLE_PASSWORDS_DIR/<role>: no password is in this ConfigMap or in git.
for role in booksync_auth booksync_data booksync_prediction; do
  if [ ! -s "$DB_ROLE_PASSWORDS_DIR/$role" ]; then
    echo "10-service-roles.sh: no password for role $role in $DB_ROLE_PASSWORDS_DIR/$role: create its Secret (npm run secrets)" >&2
    return 1 2>/dev/null || exit 1
  fi
done
psql -v ON_ERROR_STOP=1 --single-transaction --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
  --file "$(dirname "${BASH_SOURCE[0]}")/service-roles.psql"
