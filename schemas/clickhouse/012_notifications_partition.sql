-- The outbox follows the rules service's partitions: each notification keeps the partition of
-- vigil.metrics whose message created it, and only the instance that owns that partition
-- delivers it (docs/alerts.md, "Several instances"). Rows written before this migration carry -1
-- and are delivered by the owner of partition 0.

-- migrate:up

ALTER TABLE {db:Identifier}.notifications
    ADD COLUMN IF NOT EXISTS kafka_partition Int32 DEFAULT -1 COMMENT 'the vigil.metrics partition whose message created it: its owner delivers it';

-- migrate:down

ALTER TABLE {db:Identifier}.notifications DROP COLUMN IF EXISTS kafka_partition;
