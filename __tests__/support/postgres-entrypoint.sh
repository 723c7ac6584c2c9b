#!/usr/bin/env bash
# Runs the init files of $INITDB_DIR the way the official postgres image's docker-entrypoint.sh
# does on a first start: docker_process_sql and docker_process_init_files are copied from
# docker-library/postgres 17/bookworm/docker-entrypoint.sh, with one deviation only:
#
#   upstream's docker_process_sql clears PGHOST and PGHOSTADDR so that psql uses the temporary
#   server's Unix socket; here PGHOST/PGPORT are kept, pointing psql at the test server.
#
# Environment: INITDB_DIR, POSTGRES_USER, POSTGRES_DB, PGHOST, PGPORT, and whatever the init
# files read (DB_ROLE_PASSWORDS_DIR).
set -Eeo pipefail

# Execute sql script, passed via stdin (or -f flag of psql)
docker_process_sql() {
	local query_runner=( psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc )
	if [ -n "$POSTGRES_DB" ]; then
		query_runner+=( --dbname "$POSTGRES_DB" )
	fi

	# upstream: PGHOST= PGHOSTADDR= "${query_runner[@]}" "$@"
	"${query_runner[@]}" "$@"
}

# process initializer files, based on file extensions and permissions
docker_process_init_files() {
	# psql here for backwards compatibility "${psql[@]}"
	psql=( docker_process_sql )

	printf '\n'
	local f
	for f; do
		case "$f" in
			*.sh)
				# https://github.com/docker-library/postgres/issues/450#issuecomment-393167936
				# https://github.com/docker-library/postgres/pull/452
				if [ -x "$f" ]; then
					printf '%s: running %s\n' "$0" "$f"
					"$f"
				else
					printf '%s: sourcing %s\n' "$0" "$f"
					. "$f"
				fi
				;;
			*.sql)     printf '%s: running %s\n' "$0" "$f"; docker_process_sql -f "$f"; printf '\n' ;;
			*.sql.gz)  printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | docker_process_sql; printf '\n' ;;
			*.sql.xz)  printf '%s: running %s\n' "$0" "$f"; xzcat "$f" | docker_process_sql; printf '\n' ;;
			*.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | docker_process_sql; printf '\n' ;;
			*)         printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
		printf '\n'
	done
}

docker_process_init_files "$INITDB_DIR"/*
