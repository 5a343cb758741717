-- Alert state, the notification outbox and silences of the rules service (docs/alerts.md).
-- Statements are idempotent (IF NOT EXISTS): two processes may migrate at once.

-- migrate:up

-- One row per alert (rule × model × version × subject) and state change; the newest (seq) wins.
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

-- The durable outbox: one row per notification and delivery attempt; the highest seq wins
-- (0 when created, the attempt number after each attempt), so a re-created row never undoes a delivery.
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

-- When a retraining webhook last fired per model version (event time), for its cooldown.
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

-- Silences mute notifications (not state changes) of matching alerts until a time.
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

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.silences;
DROP TABLE IF EXISTS {db:Identifier}.retrains;
DROP TABLE IF EXISTS {db:Identifier}.notifications;
DROP TABLE IF EXISTS {db:Identifier}.alerts;
