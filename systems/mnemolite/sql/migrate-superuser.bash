#!/usr/bin/env bash
# Moves a MnemoLite database made before the admin was split from the app role (POSTGRES_USER
# mnemo, the superuser the API and worker logged in as) to today's shape: the superuser is
# $POSTGRES_USER (postgres) and $MNEMO_DB_OWNER (mnemo) owns the database and the app's objects
# without SUPERUSER, CREATEROLE, CREATEDB or BYPASSRLS. Idempotent: on a migrated or new
# database it changes nothing. Not run by the entrypoint (it ignores this extension); run it in
# the postgres container once the new StatefulSet runs, as the README says:
#
#   kubectl -n mnemolite exec db-0 -c postgres -- bash /docker-entrypoint-initdb.d/migrate-superuser.bash
#
# Steps, each skipped when already done:
#  1. The bootstrap superuser (the one initdb made, which PostgreSQL never lets lose SUPERUSER)
#     still named $MNEMO_DB_OWNER is renamed $POSTGRES_USER, from a throwaway superuser that
#     only the trusted socket can use, dropped at the end; its password becomes the admin's.
#  2. 05-owner-role.sh makes $MNEMO_DB_OWNER again, as today's init does: a plain login role,
#     with the password of its Secret, owner of the database; 10-extensions.sh gives it its rights
#     on pg_partman's and pg_cron's schemas when those are on.
#  3. Every object of the app's schemas still owned by the admin (tables and partitions, views,
#     sequences, functions, types, schemas, large objects; not the extensions' own) goes to
#     $MNEMO_DB_OWNER. Default privileges set by the old superuser (ALTER DEFAULT PRIVILEGES) stay
#     the admin's: they only matter for objects the admin creates, which the app no longer does.
set -Eeuo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
admin=$POSTGRES_USER owner=$MNEMO_DB_OWNER helper=pi_gitops_migration
say() { printf 'migrate-superuser: %s\n' "$*" >&2; }
sql() { psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --quiet --tuples-only --no-align "$@"; }

if [ "$admin" = "$owner" ]; then
  say "POSTGRES_USER and MNEMO_DB_OWNER are both $admin: nothing to split"
  exit 1
fi
for f in "$DB_ROLE_PASSWORDS_DIR/$admin" "$DB_ROLE_PASSWORDS_DIR/$owner"; do
  [ -s "$f" ] || { say "no password in $f: create the role's Secret (npm run secrets, then seal) and restart the pod"; exit 1; }
done

# Who initdb made (OID 10): found over the socket, which trusts whoever exists of the two.
bootstrap=
for who in "$admin" "$owner"; do
  if name=$(sql --username "$who" --dbname postgres -c "SELECT rolname FROM pg_roles WHERE oid = 10" 2>/dev/null); then
    bootstrap=$name
    break
  fi
done
[ -n "$bootstrap" ] || { say "neither $admin nor $owner can log in over the socket: is this MnemoLite's postgres container?"; exit 1; }

if [ "$bootstrap" = "$owner" ]; then
  if [ "$(sql --username "$owner" --dbname postgres -c "SELECT count(*) FROM pg_roles WHERE rolname = '$admin'")" != 0 ]; then
    say "role $admin exists besides the bootstrap superuser $owner: rename or drop it first"
    exit 1
  fi
  say "renaming the bootstrap superuser $owner to $admin"
  sql --username "$owner" --dbname postgres -c "SET client_min_messages = warning" \
    -c "DROP ROLE IF EXISTS $helper" -c "CREATE ROLE $helper SUPERUSER LOGIN" >/dev/null
  sql --username "$helper" --dbname postgres -c "ALTER ROLE \"$owner\" RENAME TO \"$admin\"" >/dev/null
  bootstrap=$admin
fi
[ "$bootstrap" = "$admin" ] || { say "the bootstrap superuser is $bootstrap, neither $admin nor $owner: nothing done"; exit 1; }
# The password is read by psql itself (never on a command line), quoted by it (:'var').
sql --username "$admin" --dbname postgres --set=helper="$helper" --set=admin="$admin" <<'SQL' >/dev/null
SET client_min_messages = warning;
DROP ROLE IF EXISTS :"helper";
\set password `cat "$DB_ROLE_PASSWORDS_DIR/$POSTGRES_USER"`
ALTER ROLE :"admin" PASSWORD :'password';
\unset password
SQL

# 05-owner-role.sh and 10-extensions.sh as the init runs them: the app role, its password, the
# database's owner; the extensions and the app role's rights on pg_partman's and pg_cron's schemas.
(. "$here/05-owner-role.sh")
(. "$here/10-extensions.sh")

say "giving $owner what the admin owns in $POSTGRES_DB's own schemas"
sql --username "$admin" --dbname "$POSTGRES_DB" --single-transaction --set=owner="$owner" <<'SQL' >/dev/null
SELECT set_config('migrate.owner', :'owner', false);
DO $$
DECLARE
  target text := current_setting('migrate.owner');
  admin oid := (SELECT oid FROM pg_roles WHERE rolname = current_user);
  stmt text;
  moved int := 0;
BEGIN
  FOR stmt IN
    -- Schemas the app made (not the system's, not pg_partman's or pg_cron's).
    SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, target)
      FROM pg_namespace n
     WHERE n.nspowner = admin AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'public', 'partman', 'cron')
    UNION ALL
    -- Tables (partitioned ones and each partition too: ownership does not cascade to partitions), views,
    -- materialized views, foreign tables, and sequences no column owns (those follow their table).
    SELECT format('ALTER %s %s OWNER TO %I',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                 WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                  c.oid::regclass, target)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relowner = admin AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'partman', 'cron')
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
       AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    UNION ALL
    SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, target)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proowner = admin AND p.prokind <> 'a'
       AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'partman', 'cron')
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('ALTER AGGREGATE %s OWNER TO %I', p.oid::regprocedure, target)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proowner = admin AND p.prokind = 'a'
       AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'partman', 'cron')
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    -- Enums, domains, ranges and standalone composite types (a table's row type follows its table).
    SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, target)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typowner = admin AND t.typtype IN ('e', 'd', 'r', 'c') AND t.typelem = 0
       AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
       AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'partman', 'cron')
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype IN ('e', 'i'))
    UNION ALL
    -- Large objects (lo_import, lo_create).
    SELECT format('ALTER LARGE OBJECT %s OWNER TO %I', m.oid, target) FROM pg_largeobject_metadata m WHERE m.lomowner = admin
  LOOP
    EXECUTE stmt;
    moved := moved + 1;
  END LOOP;
  RAISE NOTICE 'migrate-superuser: % objects now owned by %', moved, target;
END
$$;
SQL
say "done: $admin is the superuser, $owner owns $POSTGRES_DB and is no superuser"
