-- The joiner's tables: outcomes (a prediction joined with its label) and the labels still waiting
-- for their prediction.

-- migrate:up

-- The joiner looks predictions up by (model_id, prediction_id) without knowing their time: a
-- bloom filter on prediction_id lets ClickHouse skip the granules that cannot hold them.
ALTER TABLE {db:Identifier}.predictions
    ADD INDEX IF NOT EXISTS prediction_id_bloom prediction_id TYPE bloom_filter(0.01) GRANULARITY 4;

-- One row per joined prediction; the first label of a prediction is the one joined (a later
-- label for it is counted as a duplicate, not joined). label_partition/label_offset name the label
-- message, so a batch processed again after a crash is recognised as the same join.
-- ORDER BY: accuracy windows are keyed by the prediction's time and read per model and window.
CREATE TABLE IF NOT EXISTS {db:Identifier}.outcomes
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    prediction_id String,
    prediction_time DateTime64(3, 'UTC'),
    label_time DateTime64(3, 'UTC'),
    label String COMMENT 'true class, or the true value as text',
    label_value Nullable(Float64) COMMENT 'true value when the label is a number',
    predicted_label Nullable(String),
    score Nullable(Float64),
    probabilities Map(String, Float64),
    predicted_value Nullable(Float64),
    attributes Map(String, String),
    label_partition UInt32,
    label_offset UInt64,
    joined_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(prediction_time)
ORDER BY (model_id, toStartOfHour(prediction_time), prediction_id)
TTL toDateTime(prediction_time) + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

-- Labels whose prediction was not found yet, retried until the horizon. seq orders a label's
-- states (waiting 0, then joined or expired 1): the newest wins.
CREATE TABLE IF NOT EXISTS {db:Identifier}.pending_labels
(
    model_id LowCardinality(String),
    prediction_id String,
    label_partition UInt32,
    label_offset UInt64,
    label_event String COMMENT 'the label event as received (JSON)',
    arrived_at DateTime64(3, 'UTC') COMMENT 'the label message timestamp: the horizon counts from it',
    status Enum8('waiting' = 1, 'joined' = 2, 'expired' = 3, 'duplicate' = 4),
    seq UInt8
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (model_id, prediction_id, label_partition, label_offset);

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.pending_labels;
DROP TABLE IF EXISTS {db:Identifier}.outcomes;
ALTER TABLE {db:Identifier}.predictions DROP INDEX IF EXISTS prediction_id_bloom;
