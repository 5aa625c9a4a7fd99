/**
 * The database schema, versioned in code (undici `sqlite-cache-store.js`).
 * `PRAGMA user_version` holds the version a file was migrated to; each entry
 * of MIGRATIONS brings a file from version `i` to `i + 1`, so a migration is
 * never edited once released — a change is a new entry.
 *
 * Layout, and why:
 * - `counters`, `latency`, `fields` are aggregates keyed by (minute, method,
 *   route): equal exchanges add to a row instead of adding rows, so the file
 *   grows with time × routes, not with traffic, and `--since/--until` work at
 *   minute granularity. Every column is a sum (or a max), so rows from many
 *   files merge exactly with SUM/MAX.
 * - `latency` stores one histogram per (minute, method, route, side) as
 *   varint-encoded bucket counts (latency-histogram.ts): percentiles of any
 *   window or set of files come from buckets added together. One row per
 *   bucket would cost hundreds of upserts per route per flush.
 * - `exchanges` keeps the details of divergent exchanges only, redacted and
 *   with bodies truncated to the store's body cap.
 * - `events` is the audit trail (mode and weight changes, rollbacks).
 * - `learned_noise` and `learned_noise_routes` (version 2) hold what the
 *   noise stage learned from primary-vs-secondary comparisons, per (method,
 *   route, field): kind, counts, largest numeric difference, formats seen.
 *   They are cumulative, not per minute: noise is a property of the
 *   primary's code, and more evidence is always better evidence.
 * - `second_counters`, `second_latency`, `second_fields` (version 3) hold the
 *   same aggregates per (second, method, route), written in the same
 *   transaction as the minute rows, so a window judges exactly the exchanges
 *   that started inside it, to the second (issue 14). Readers take whole
 *   minutes from the minute tables and only the partial minutes at a
 *   window's edges from the second tables, so a report over days reads as
 *   few rows as before. Second rows are kept for `store.exactWindowHours`
 *   (retention.ts); `meta.seconds_from` is the epoch second from which they
 *   are complete (older edges widen to whole minutes, and the window says so).
 *   A file migrated from version 2 has seconds only from the minute after its
 *   last recorded one.
 * - `exchanges.compared_as` (version 4, issue 16) says how the rules and
 *   the noise stage compared a stored exchange: the pointers it ignored,
 *   compared by format, by tolerance or as multisets, and the fields it
 *   classed as noise (JSON, see detail-row.ts). The HTML report dims and
 *   labels those in the example diff instead of highlighting them as changes.
 */

/** The schema version this build reads and writes. */
export const SCHEMA_VERSION = 4

/** Counter columns of the `counters` table, in a fixed order. */
export const COUNTER_COLUMNS = [
  'served',
  'not_mirrored',
  'skipped',
  'mirrored',
  'dropped',
  'compared',
  'divergent',
  'noise',
  'candidate_errors',
  'candidate_5xx',
  'primary_5xx',
  'candidate_new_errors',
] as const

export type CounterColumn = (typeof COUNTER_COLUMNS)[number]

const V1 = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE counters (
  minute  INTEGER NOT NULL,
  method  TEXT NOT NULL,
  route   TEXT NOT NULL,
  ${COUNTER_COLUMNS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(',\n  ')},
  primary_max_us   INTEGER NOT NULL DEFAULT 0,
  candidate_max_us INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, method, route)
) WITHOUT ROWID;

CREATE TABLE latency (
  minute  INTEGER NOT NULL,
  method  TEXT NOT NULL,
  route   TEXT NOT NULL,
  side    TEXT NOT NULL,
  buckets BLOB NOT NULL,
  PRIMARY KEY (minute, method, route, side)
) WITHOUT ROWID;

CREATE TABLE fields (
  minute      INTEGER NOT NULL,
  method      TEXT NOT NULL,
  route       TEXT NOT NULL,
  field       TEXT NOT NULL,
  op          TEXT NOT NULL,
  count       INTEGER NOT NULL DEFAULT 0,
  noise_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, method, route, field, op)
) WITHOUT ROWID;

CREATE TABLE exchanges (
  id                     TEXT PRIMARY KEY,
  at                     INTEGER NOT NULL,
  method                 TEXT NOT NULL,
  url                    TEXT NOT NULL,
  route                  TEXT NOT NULL,
  signature              TEXT NOT NULL,
  primary_status         INTEGER,
  candidate_status       INTEGER,
  primary_latency_ms     REAL,
  candidate_latency_ms   REAL,
  kinds                  TEXT NOT NULL,
  fields                 TEXT NOT NULL,
  divergences            TEXT NOT NULL,
  rules                  TEXT NOT NULL,
  request_headers        TEXT NOT NULL,
  request_body           BLOB,
  primary_headers        TEXT,
  candidate_headers      TEXT,
  primary_body           BLOB,
  candidate_body         BLOB,
  primary_content_type   TEXT,
  candidate_content_type TEXT
);
CREATE INDEX exchanges_at ON exchanges (at);
CREATE INDEX exchanges_route ON exchanges (route, at);
CREATE INDEX exchanges_signature ON exchanges (method, route, signature, at);

CREATE TABLE events (
  seq   INTEGER PRIMARY KEY,
  at    INTEGER NOT NULL,
  type  TEXT NOT NULL,
  actor TEXT NOT NULL,
  cause TEXT NOT NULL,
  data  TEXT
);
CREATE INDEX events_at ON events (at);
`

const V2 = `
CREATE TABLE learned_noise_routes (
  method    TEXT NOT NULL,
  route     TEXT NOT NULL,
  exchanges INTEGER NOT NULL DEFAULT 0,
  first_at  INTEGER NOT NULL,
  last_at   INTEGER NOT NULL,
  PRIMARY KEY (method, route)
) WITHOUT ROWID;

CREATE TABLE learned_noise (
  method            TEXT NOT NULL,
  route             TEXT NOT NULL,
  field             TEXT NOT NULL,
  op                TEXT NOT NULL,
  kind              TEXT NOT NULL,
  observed          INTEGER NOT NULL DEFAULT 0,
  numeric           INTEGER NOT NULL DEFAULT 0,
  max_magnitude     REAL NOT NULL DEFAULT 0,
  format_preserving INTEGER NOT NULL DEFAULT 0,
  formats           TEXT NOT NULL,
  first_at          INTEGER NOT NULL,
  last_at           INTEGER NOT NULL,
  PRIMARY KEY (method, route, field, op)
) WITHOUT ROWID;
`

// The counter columns as of version 3, spelled out: a migration is never edited once released.
const V3_COUNTERS = [
  'served', 'not_mirrored', 'skipped', 'mirrored', 'dropped', 'compared', 'divergent', 'noise',
  'candidate_errors', 'candidate_5xx', 'primary_5xx', 'candidate_new_errors',
]

const V3 = `
CREATE TABLE second_counters (
  second  INTEGER NOT NULL,
  method  TEXT NOT NULL,
  route   TEXT NOT NULL,
  ${V3_COUNTERS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(',\n  ')},
  primary_max_us   INTEGER NOT NULL DEFAULT 0,
  candidate_max_us INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (second, method, route)
) WITHOUT ROWID;

CREATE TABLE second_latency (
  second  INTEGER NOT NULL,
  method  TEXT NOT NULL,
  route   TEXT NOT NULL,
  side    TEXT NOT NULL,
  buckets BLOB NOT NULL,
  PRIMARY KEY (second, method, route, side)
) WITHOUT ROWID;

CREATE TABLE second_fields (
  second      INTEGER NOT NULL,
  method      TEXT NOT NULL,
  route       TEXT NOT NULL,
  field       TEXT NOT NULL,
  op          TEXT NOT NULL,
  count       INTEGER NOT NULL DEFAULT 0,
  noise_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (second, method, route, field, op)
) WITHOUT ROWID;

INSERT OR REPLACE INTO meta (key, value)
  SELECT 'seconds_from', CAST(coalesce(max(minute) + 1, 0) * 60 AS TEXT) FROM counters;
`

// Nullable: rows stored before it say nothing about how they were compared.
const EXCHANGE_COMPARED_AS = `
ALTER TABLE exchanges ADD COLUMN compared_as TEXT;
`

/** `MIGRATIONS[i]` migrates a file at version `i` to version `i + 1`. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, EXCHANGE_COMPARED_AS]

/** The `meta` key holding the epoch second from which second rows are complete. */
export const SECONDS_FROM_KEY = 'seconds_from'
