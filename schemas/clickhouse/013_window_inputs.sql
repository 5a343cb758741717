-- A closed window's drift and quality results arrive as one packed row each (the window's
-- columns once, its features' metrics as parallel arrays) and are unpacked into the long
-- drift_windows and quality_windows by materialized views. At fleet shape the drift service
-- publishes ~245 long rows per window, and parsing them was most of its engine time: the packed
-- row is 2.5x less to parse (docs/architecture.md, "Inserts"). The long tables, their queries
-- and what analysts read are unchanged; a deduplication token on the packed insert deduplicates
-- the view's block in the long table (deduplicate_blocks_in_dependent_materialized_views).

-- migrate:up

CREATE TABLE IF NOT EXISTS {db:Identifier}.drift_windows_input
(
    model_id String,
    model_version String,
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    reference String,
    version UInt32,
    feature Array(String),
    feature_type Array(String),
    metric Array(String),
    value Array(Nullable(Float64)),
    drifted Array(UInt8),
    n_reference Array(UInt64),
    n_current Array(UInt64)
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.drift_windows_unpack TO {db:Identifier}.drift_windows AS
SELECT model_id, model_version, window_start, window_end, feature, feature_type, metric, value, drifted,
       n_reference, n_current, reference, version
  FROM {db:Identifier}.drift_windows_input
 ARRAY JOIN feature, feature_type, metric, value, drifted, n_reference, n_current;

CREATE TABLE IF NOT EXISTS {db:Identifier}.quality_windows_input
(
    model_id String,
    model_version String,
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    version UInt32,
    feature Array(String),
    metric Array(String),
    value Array(Float64)
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.quality_windows_unpack TO {db:Identifier}.quality_windows AS
SELECT model_id, model_version, window_start, window_end, feature, metric, value, version
  FROM {db:Identifier}.quality_windows_input
 ARRAY JOIN feature, metric, value;

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.quality_windows_unpack;
DROP TABLE IF EXISTS {db:Identifier}.quality_windows_input;
DROP TABLE IF EXISTS {db:Identifier}.drift_windows_unpack;
DROP TABLE IF EXISTS {db:Identifier}.drift_windows_input;
