/**
 * The PostgreSQL schema of the shared (fleet) store, versioned in code like
 * the SQLite one (src/store/schema.ts): `meta.pg_schema_version` holds the
 * version a database was migrated to, `PG_MIGRATIONS[i]` brings it from `i`
 * to `i + 1`, and a released entry is never edited.
 *
 * The data model is SQLite's version 4, table for table and column for
 * column, so a reader can copy rows into a SQLite snapshot and run the same
 * report code on it (pg-snapshot.ts). Two differences, both for upserts that
 * many instances run into the same rows:
 * - latency histograms are `bigint[]` of (bucket, count) pairs, buckets
 *   ascending (latency-histogram.ts numbers the buckets), added by
 *   `shd_add_buckets` inside the upsert: no read-modify-write, so two
 *   instances adding into the same minute never lose each other's counts.
 *   Pairs, not one element per bucket: a histogram has a few dozen non-empty
 *   buckets out of several hundred, and a dense array made the second rows of
 *   a busy fleet several times larger than the SQLite file's varints;
 * - counters and field counts are added (`col = t.col + excluded.col`), the
 *   maxima kept with GREATEST.
 *
 * Migrations run under an advisory lock (ADVISORY_LOCKS.migrate): a
 * Deployment of N pods starting at once migrates once, the others wait and
 * find the schema current. The control plane (src/split/) keeps its own
 * tables and version key in `meta` (CONTROL keys are not this file's).
 */
import { DatabaseUnavailable } from '../../errors.js'
import { describeDatabase } from '../database-url.js'
import { COUNTER_COLUMNS } from '../schema.js'
import { ADVISORY_LOCKS, withAdvisoryLock } from './pg-connection.js'
import type { PgClient, PgPool } from './pg-connection.js'

/** The version of the data tables this build reads and writes. */
export const PG_SCHEMA_VERSION = 1

/** The `meta` key of the data tables' version (the control plane uses another key). */
export const PG_VERSION_KEY = 'pg_schema_version'

// Spelled out, not derived: a migration is never edited once released.
const V1_COUNTERS = [
  'served', 'not_mirrored', 'skipped', 'mirrored', 'dropped', 'compared', 'divergent', 'noise',
  'candidate_errors', 'candidate_5xx', 'primary_5xx', 'candidate_new_errors',
]

const aggregateTables = (unit: 'minute' | 'second', prefix: string) => `
CREATE TABLE ${prefix}counters (
  ${unit} bigint NOT NULL,
  method  text NOT NULL,
  route   text NOT NULL,
  ${V1_COUNTERS.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(',\n  ')},
  primary_max_us   bigint NOT NULL DEFAULT 0,
  candidate_max_us bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (${unit}, method, route)
);
CREATE TABLE ${prefix}latency (
  ${unit} bigint NOT NULL,
  method  text NOT NULL,
  route   text NOT NULL,
  side    text NOT NULL,
  buckets bigint[] NOT NULL,
  PRIMARY KEY (${unit}, method, route, side)
);
CREATE TABLE ${prefix}fields (
  ${unit}     bigint NOT NULL,
  method      text NOT NULL,
  route       text NOT NULL,
  field       text NOT NULL,
  op          text NOT NULL,
  count       bigint NOT NULL DEFAULT 0,
  noise_count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (${unit}, method, route, field, op)
);`

const V1 = `
CREATE TABLE IF NOT EXISTS meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);
${aggregateTables('minute', '')}
${aggregateTables('second', 'second_')}

CREATE TABLE exchanges (
  id                     text PRIMARY KEY,
  at                     bigint NOT NULL,
  method                 text NOT NULL,
  url                    text NOT NULL,
  route                  text NOT NULL,
  signature              text NOT NULL,
  primary_status         integer,
  candidate_status       integer,
  primary_latency_ms     double precision,
  candidate_latency_ms   double precision,
  kinds                  text NOT NULL,
  fields                 text NOT NULL,
  divergences            text NOT NULL,
  rules                  text NOT NULL,
  request_headers        text NOT NULL,
  request_body           bytea,
  primary_headers        text,
  candidate_headers      text,
  primary_body           bytea,
  candidate_body         bytea,
  primary_content_type   text,
  candidate_content_type text,
  compared_as            text
);
CREATE INDEX exchanges_at ON exchanges (at);
CREATE INDEX exchanges_route ON exchanges (route, at);
CREATE INDEX exchanges_signature ON exchanges (method, route, signature, at);

CREATE TABLE events (
  seq   bigserial PRIMARY KEY,
  at    bigint NOT NULL,
  type  text NOT NULL,
  actor text NOT NULL,
  cause text NOT NULL,
  data  text
);
CREATE INDEX events_at ON events (at);

-- One row per committed flush: when a COMMIT's answer is lost (the connection
-- dropped), the writer looks its id up instead of writing the batch twice.
CREATE TABLE flushes (
  id text PRIMARY KEY,
  at bigint NOT NULL
);

CREATE TABLE learned_noise_routes (
  method    text NOT NULL,
  route     text NOT NULL,
  exchanges bigint NOT NULL DEFAULT 0,
  first_at  bigint NOT NULL,
  last_at   bigint NOT NULL,
  PRIMARY KEY (method, route)
);
CREATE TABLE learned_noise (
  method            text NOT NULL,
  route             text NOT NULL,
  field             text NOT NULL,
  op                text NOT NULL,
  kind              text NOT NULL,
  observed          bigint NOT NULL DEFAULT 0,
  numeric           bigint NOT NULL DEFAULT 0,
  max_magnitude     double precision NOT NULL DEFAULT 0,
  format_preserving bigint NOT NULL DEFAULT 0,
  formats           text NOT NULL,
  first_at          bigint NOT NULL,
  last_at           bigint NOT NULL,
  PRIMARY KEY (method, route, field, op)
);

-- The sum of two histograms stored as (bucket, count) pairs: '{b1,c1,b2,c2,…}', buckets ascending.
CREATE FUNCTION shd_add_buckets(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(e.v ORDER BY m.bucket, e.ord), '{}')
  FROM (
    SELECT p.bucket, sum(p.n) AS n
    FROM (
      SELECT x[2 * k - 1] AS bucket, x[2 * k] AS n
      FROM (SELECT a AS x UNION ALL SELECT b) AS h, generate_series(1, coalesce(cardinality(h.x), 0) / 2) AS k
    ) AS p
    GROUP BY p.bucket
  ) AS m, LATERAL (VALUES (1, m.bucket), (2, m.n::bigint)) AS e(ord, v)
$$;

-- The union of two JSON arrays of learned value formats, '*' once more than
-- max were seen (src/noise/noise-profile.ts keeps the same rule in memory).
CREATE FUNCTION shd_union_formats(a text, b text, max integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH u AS (
    SELECT DISTINCT f FROM (
      SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(a::jsonb) = 'array' THEN a::jsonb ELSE '[]' END)
      UNION ALL
      SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(b::jsonb) = 'array' THEN b::jsonb ELSE '[]' END)
    ) AS s(f)
  ), named AS (SELECT f FROM u WHERE f <> '*')
  -- array_to_json prints compact JSON, as JSON.stringify does for the rows SQLite holds.
  SELECT array_to_json(CASE
    WHEN EXISTS (SELECT 1 FROM u WHERE f = '*') OR (SELECT count(*) FROM named) > max
      THEN ARRAY(SELECT f FROM named ORDER BY f LIMIT max) || '*'::text
    ELSE ARRAY(SELECT f FROM named ORDER BY f)
  END)::text
$$;

INSERT INTO meta (key, value) VALUES ('created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  ON CONFLICT (key) DO NOTHING;
-- Second rows are complete from the start: the database never held minutes without them.
INSERT INTO meta (key, value) VALUES ('seconds_from', '0') ON CONFLICT (key) DO NOTHING;
`

/** `PG_MIGRATIONS[i]` migrates the data tables from version `i` to `i + 1`. */
export const PG_MIGRATIONS: readonly string[] = [V1]

/** The counter columns this build writes (the SQLite order, so the same code reads both). */
export const PG_COUNTER_COLUMNS = COUNTER_COLUMNS

/**
 * Brings the database at `url` to PG_SCHEMA_VERSION, one instance at a time
 * (advisory lock), each migration in a transaction of its own. Returns the
 * version found before migrating. Throws DatabaseUnavailable when the
 * database is newer than this build.
 */
export async function migratePg(pool: PgPool, url: string): Promise<number> {
  return withAdvisoryLock(pool, ADVISORY_LOCKS.migrate, async (client) => {
    const from = await currentVersion(client)
    if (from > PG_SCHEMA_VERSION) {
      throw new DatabaseUnavailable(describeDatabase(url), `schema version ${from} is newer than this shadowdiff supports (${PG_SCHEMA_VERSION}); upgrade shadowdiff`)
    }
    for (let v = from; v < PG_SCHEMA_VERSION; v++) {
      await client.query('BEGIN')
      try {
        await client.query(PG_MIGRATIONS[v])
        await client.query(
          `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [PG_VERSION_KEY, String(v + 1)],
        )
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      }
    }
    return from
  })
}

async function currentVersion(client: PgClient): Promise<number> {
  const table = await client.query<{ t: string | null }>(`SELECT to_regclass('meta')::text AS t`)
  if (table.rows[0]?.t == null) return 0
  const row = await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [PG_VERSION_KEY])
  return row.rows.length === 0 ? 0 : Number(row.rows[0].value)
}
