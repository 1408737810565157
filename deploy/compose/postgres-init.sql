-- One database and one login role per service: each service owns its data and can reach
-- no other service's tables. Runs once, when the PostgreSQL data volume is first created
-- (the image runs every file in /docker-entrypoint-initdb.d/ on an empty data directory).
--
-- The passwords are not written here: psql reads them from the container's environment
-- (APPLICATIONS_DB_PASSWORD, CASHFLOW_DB_PASSWORD, SCORING_DB_PASSWORD, set from
-- deploy/compose/secrets.env). \getenv needs psql 15 or newer; the stack runs 16.
-- A missing variable leaves the psql variable unset, the statement fails, and with
-- ON_ERROR_STOP (set by the image's entrypoint) initialisation stops instead of creating
-- a role without a password.

\getenv applications_password APPLICATIONS_DB_PASSWORD
\getenv cashflow_password CASHFLOW_DB_PASSWORD
\getenv scoring_password SCORING_DB_PASSWORD

CREATE ROLE applications LOGIN PASSWORD :'applications_password';
CREATE ROLE cashflow LOGIN PASSWORD :'cashflow_password';
CREATE ROLE scoring LOGIN PASSWORD :'scoring_password';

-- The owner of a database owns its public schema too (PostgreSQL 15+), so each service's
-- migrations can create their tables without superuser rights.
CREATE DATABASE applications OWNER applications;
CREATE DATABASE cashflow OWNER cashflow;
CREATE DATABASE scoring OWNER scoring;

-- By default every role may connect to every database; keep each service to its own.
REVOKE ALL ON DATABASE applications FROM PUBLIC;
REVOKE ALL ON DATABASE cashflow FROM PUBLIC;
REVOKE ALL ON DATABASE scoring FROM PUBLIC;
