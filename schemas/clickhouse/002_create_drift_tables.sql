-- Baselines, drift and data-quality windows, and the checkpoints of windowed consumers.
-- Statements are idempotent (IF NOT EXISTS): two processes may migrate at once.

-- migrate:up

-- One row per model, version and feature: the reference profile `vigil baseline create` stores.
-- ReplacingMergeTree(created_at): uploading a baseline again replaces it.
CREATE TABLE IF NOT EXISTS {db:Identifier}.baselines
(
    model_id LowCardinality(String),
    model_version LowCardinality(String) COMMENT '* applies to every version without its own',
    feature String,
    feature_type LowCardinality(String) COMMENT 'numerical or categorical',
    profile String COMMENT 'JSON: bin edges and shares, category counts, a sample for KS (docs/metrics.md)' CODEC(ZSTD(3)),
    count UInt64,
    missing UInt64,
    mean Nullable(Float64),
    std Nullable(Float64),
    min Nullable(Float64),
    max Nullable(Float64),
    source String COMMENT 'where the profile came from',
    created_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY (model_id, model_version, feature);

-- Long format: one row per model window x feature x metric, so a new metric is a new row, not a
-- new column. feature is a feature name, __score__ or __label__ (the prediction), or __model__
-- (drift_share). ReplacingMergeTree(version): a window published again with a higher version
-- replaces the older rows; a re-delivered window (same version) collapses to one.
-- ORDER BY starts with model and time, the analysts' usual filters.
CREATE TABLE IF NOT EXISTS {db:Identifier}.drift_windows
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    feature String,
    feature_type LowCardinality(String),
    metric LowCardinality(String) COMMENT 'psi, ks_statistic, ks_p_value, wasserstein, ... (docs/metrics.md)',
    value Nullable(Float64) COMMENT 'NULL when a side had no values',
    drifted UInt8 COMMENT 'the feature drifted in this window (same on every row of the feature)',
    n_reference UInt64,
    n_current UInt64,
    reference LowCardinality(String) COMMENT 'baseline:<version> or first-window:<start>',
    version UInt32,
    computed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, model_version, feature, metric)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Data quality per model window x feature x metric: count, missing_rate, type_mismatches,
-- new_categories, new_category_share, out_of_range_share; late_events on feature __model__.
CREATE TABLE IF NOT EXISTS {db:Identifier}.quality_windows
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    feature String,
    metric LowCardinality(String),
    value Float64,
    version UInt32,
    computed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, model_version, feature, metric)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- The state of a windowed consumer's partition (its open windows) with the offset to resume
-- from; written after the windows it closed are durable and before the Kafka commit.
-- ReplacingMergeTree(seq): the newest checkpoint wins (seq rises with every save, also when an
-- idle close saves twice at the same offset); readers take the highest seq.
CREATE TABLE IF NOT EXISTS {db:Identifier}.consumer_checkpoints
(
    consumer_group String,
    topic String,
    partition UInt32,
    next_offset UInt64,
    seq UInt64,
    state String CODEC(ZSTD(3)),
    saved_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (consumer_group, topic, partition);

-- migrate:down
DROP TABLE IF EXISTS {db:Identifier}.consumer_checkpoints;
DROP TABLE IF EXISTS {db:Identifier}.quality_windows;
DROP TABLE IF EXISTS {db:Identifier}.drift_windows;
DROP TABLE IF EXISTS {db:Identifier}.baselines;
