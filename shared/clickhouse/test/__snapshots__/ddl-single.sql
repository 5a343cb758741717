-- 001_create_raw_events

CREATE TABLE IF NOT EXISTS {db:Identifier}.predictions
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    prediction_id String,
    event_time DateTime64(3, 'UTC') COMMENT 'prediction time from the event, UTC',
    num_features Map(String, Float64) COMMENT 'numerical features: num_features[''amount'']',
    cat_features Map(String, String) COMMENT 'categorical (string, boolean) features',
    missing_features Array(String) COMMENT 'features sent as null',
    predicted_label Nullable(String),
    score Nullable(Float64),
    probabilities Map(String, Float64),
    predicted_value Nullable(Float64) COMMENT 'regression output',
    attributes Map(String, String) COMMENT 'segments and sensitive attributes',
    kafka_topic LowCardinality(String) COMMENT 'provenance: the recorder resumes after the highest stored offset',
    kafka_partition UInt32,
    kafka_offset UInt64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (model_id, toStartOfHour(event_time), prediction_id)
TTL toDateTime(event_time) + INTERVAL 180 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS {db:Identifier}.labels
(
    model_id LowCardinality(String),
    prediction_id String,
    event_time DateTime64(3, 'UTC') COMMENT 'when the truth became known, UTC',
    label String COMMENT 'true class, or the true value as text',
    label_value Nullable(Float64) COMMENT 'true value when the label is a number (regression)',
    kafka_topic LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset UInt64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (model_id, prediction_id)
TTL toDateTime(event_time) + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

-- 002_create_drift_tables

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

-- 003_create_alert_tables

CREATE TABLE IF NOT EXISTS {db:Identifier}.alerts
(
    alert_key String COMMENT 'rule|model|version|subject',
    rule LowCardinality(String),
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    subject String COMMENT 'feature, attribute=group, or empty for a model-level metric',
    status LowCardinality(String) COMMENT 'inactive, pending or firing',
    severity LowCardinality(String),
    value Nullable(Float64) COMMENT 'the metric in the last evaluated window',
    window_start DateTime64(3, 'UTC') COMMENT 'the last evaluated window',
    episode String COMMENT 'id of the current firing episode, empty when not firing',
    since Nullable(DateTime64(3, 'UTC')) COMMENT 'window start of the episode',
    state String COMMENT 'JSON: the full lifecycle state the service resumes from' CODEC(ZSTD(3)),
    seq UInt64,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY alert_key
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db:Identifier}.notifications
(
    id String COMMENT 'deterministic (the same evaluation creates the same id); sent to receivers as the idempotency key',
    channel LowCardinality(String) COMMENT 'slack, email, webhook, alertmanager',
    target String COMMENT 'slack channel, email address or webhook name',
    kind LowCardinality(String) COMMENT 'firing, repeat, resolved or retrain',
    model_id LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    payload String COMMENT 'JSON: the alerts this notification is about' CODEC(ZSTD(3)),
    status LowCardinality(String) COMMENT 'pending, delivered or failed',
    attempts UInt32,
    next_attempt_at DateTime64(3, 'UTC'),
    last_error String,
    result String COMMENT 'channel reply worth keeping, e.g. the Slack message ts for threads',
    seq UInt64,
    created_at DateTime64(3, 'UTC') COMMENT 'the end of the window whose evaluation created it (event time)',
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db:Identifier}.retrains
(
    webhook LowCardinality(String),
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    last_at DateTime64(3, 'UTC') COMMENT 'window end of the evaluation that fired it',
    notification_id String
)
ENGINE = ReplacingMergeTree(last_at)
ORDER BY (webhook, model_id, model_version);

CREATE TABLE IF NOT EXISTS {db:Identifier}.silences
(
    id String,
    rule String COMMENT '* for every rule',
    model_id String COMMENT '* for every model',
    subject String COMMENT 'feature or attribute=group; * for all',
    starts_at DateTime64(3, 'UTC'),
    ends_at DateTime64(3, 'UTC'),
    comment String,
    author String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY id;

-- 004_create_outcome_tables

ALTER TABLE {db:Identifier}.predictions
    ADD INDEX IF NOT EXISTS prediction_id_bloom prediction_id TYPE bloom_filter(0.01) GRANULARITY 4;

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

-- 005_create_performance_windows

CREATE TABLE IF NOT EXISTS {db:Identifier}.performance_windows
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    task LowCardinality(String) COMMENT 'binary, multiclass or regression',
    class String COMMENT 'empty for the window; a class for per-class metrics',
    metric LowCardinality(String) COMMENT 'accuracy, precision, recall, f1, roc_auc, log_loss, brier, mae, ... (docs/metrics.md)',
    value Nullable(Float64) COMMENT 'NULL when undefined for the window',
    n_predictions UInt64,
    n_labelled UInt64,
    label_coverage Nullable(Float64),
    version UInt64,
    computed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, model_version, class, metric)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- 006_create_fairness_windows

CREATE TABLE IF NOT EXISTS {db:Identifier}.fairness_windows
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    attribute LowCardinality(String),
    reference_group String,
    group String,
    metric LowCardinality(String) COMMENT 'selection_rate, tpr, fpr, precision, disparate_impact, ... (docs/metrics.md)',
    value Nullable(Float64) COMMENT 'NULL when undefined for the group',
    n UInt64 COMMENT 'predictions of the group',
    n_labelled UInt64,
    version UInt64,
    computed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, model_version, attribute, group, metric)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- 007_create_alert_history

CREATE TABLE IF NOT EXISTS {db:Identifier}.alert_history
(
    alert_key String COMMENT 'rule|model|version|subject',
    rule LowCardinality(String),
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    subject String COMMENT 'feature, attribute=group, or empty for a model-level metric',
    transition LowCardinality(String) COMMENT 'pending, firing, repeat, resolved or cleared (pending that did not fire)',
    status LowCardinality(String) COMMENT 'the status after the change',
    severity LowCardinality(String),
    value Nullable(Float64) COMMENT 'the metric in the window that caused the change',
    episode String COMMENT 'id of the firing episode, empty when none',
    window_start DateTime64(3, 'UTC') COMMENT 'the window whose evaluation changed the state',
    window_end DateTime64(3, 'UTC'),
    recorded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, alert_key, transition)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- 008_create_drift_partials

CREATE TABLE IF NOT EXISTS {db:Identifier}.drift_partials
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    baseline String COMMENT 'the uploaded baseline whose bins `features.bins` counts over, empty when none',
    kafka_topic LowCardinality(String),
    kafka_partition UInt32,
    first_offset UInt64 COMMENT 'offsets of the batch that wrote the row',
    last_offset UInt64,
    events UInt64 COMMENT 'events the batch added to the window',
    features Nested(
        name String,
        type LowCardinality(String),
        count UInt64,
        type_mismatches UInt64,
        out_of_range UInt64,
        sum Float64,
        sum_squares Float64,
        min Nullable(Float64),
        max Nullable(Float64),
        bins Array(UInt64),
        categories Map(String, UInt64),
        sample_hashes Array(UInt64),
        sample_values Array(Float64)
    ),
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (model_id, model_version, window_start, kafka_partition, first_offset)
TTL toDateTime(window_start) + INTERVAL 180 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db:Identifier}.drift_state
(
    consumer_group String,
    topic String,
    partition UInt32,
    key String COMMENT 'model id, or empty for the partition row',
    seq UInt64,
    next_offset UInt64,
    state String CODEC(ZSTD(3)),
    saved_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (consumer_group, topic, partition, key)
SETTINGS non_replicated_deduplication_window = 10000;

DROP TABLE IF EXISTS {db:Identifier}.consumer_checkpoints;

-- 009_pending_labels_next_attempt

ALTER TABLE {db:Identifier}.pending_labels
    ADD COLUMN IF NOT EXISTS attempts UInt16 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS next_attempt DateTime64(3, 'UTC') DEFAULT arrived_at,
    ADD INDEX IF NOT EXISTS next_attempt_minmax next_attempt TYPE minmax GRANULARITY 1;

-- 010_create_window_schedule

CREATE TABLE IF NOT EXISTS {db:Identifier}.window_schedule
(
    consumer_group LowCardinality(String),
    topic LowCardinality(String),
    partition UInt32,
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    due DateTime64(3, 'UTC') COMMENT 'waiting: when the window may be computed; done: when it was',
    status Enum8('waiting' = 1, 'done' = 2),
    seq UInt64
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (consumer_group, topic, partition, model_id, model_version, window_start)
TTL toDateTime(due) + INTERVAL 30 DAY;

-- 011_create_ingest_halves

CREATE TABLE IF NOT EXISTS {db:Identifier}.ingest_halves
(
    source_partition UInt32 COMMENT 'the vigil.cloudevents partition of the half, which owns it',
    model_id LowCardinality(String),
    pair_id String COMMENT 'what pairs a request with its response: ce-id, or Seldon''s requestid',
    half LowCardinality(String) COMMENT 'request or response',
    source_offset UInt64,
    event String CODEC(ZSTD(3)),
    arrived_at DateTime64(3, 'UTC'),
    status LowCardinality(String) COMMENT 'waiting, paired or orphaned',
    seq UInt8,
    INDEX arrived_minmax arrived_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (source_partition, model_id, pair_id, half)
TTL toDateTime(arrived_at) + INTERVAL 8 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- 012_notifications_partition

ALTER TABLE {db:Identifier}.notifications
    ADD COLUMN IF NOT EXISTS kafka_partition Int32 DEFAULT -1 COMMENT 'the vigil.metrics partition whose message created it: its owner delivers it';

-- 013_window_inputs

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
