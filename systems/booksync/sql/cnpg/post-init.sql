-- BookSync on CloudNativePG: the schema-per-role least privilege of ../service-roles.psql, as
-- plain SQL (the operator runs it without psql), once, as the superuser in the application
-- database, right after initdb. The roles do not exist yet then: they are made here without
-- LOGIN, and each DatabaseRole then gives its role LOGIN and the password of its Secret. Every
-- statement can run twice; the database's name is whatever initdb was given.
DO $$
DECLARE
  db text := current_database();
  service record;
BEGIN
  -- pgvector is kept by the Database object (extensions); nothing for PUBLIC.
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db);
  REVOKE ALL ON SCHEMA public FROM PUBLIC;
  FOR service IN
    SELECT * FROM (VALUES ('booksync_auth', 'auth'), ('booksync_data', 'data'), ('booksync_prediction', 'prediction')) AS s (role, schema)
  LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = service.role) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', service.role);
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', db, service.role);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', service.role);
    -- One schema per service, owned by its role and first on its search_path.
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service.schema, service.role);
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = %I, public', service.role, db, service.schema);
  END LOOP;
END
$$;
