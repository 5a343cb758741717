-- Serving requests and responses (CloudEvents halves) waiting for their other half: the ingest
-- service pairs them into prediction events. A half is stored as waiting (seq 0) when its partner
-- has not arrived; when the pair is made, or the half expires, its final state (seq 1) replaces it.

-- migrate:up

-- ORDER BY (partition, model_id, pair_id, half): a batch looks up its halves' partners by model
-- and pair id, and the orphan check reads one partition's waiting halves by their arrival.
-- event: the half as the service read it (the CloudEvent in structured JSON), to pair or to send
-- to the DLQ later. TTL: a final state is kept a day, long enough to recognise a redelivered half.
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

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.ingest_halves;
