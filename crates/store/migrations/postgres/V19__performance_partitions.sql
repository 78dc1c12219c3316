-- Facts partitioned by date. A report of days not stored yet is copied into a table of its
-- own, indexed in one sorted pass and attached as a partition: no row goes through the
-- index one at a time (that was 6 of the 13 s of a 1M-row import), and no conflict is
-- checked where none can be. Other imports route through the parent into the partitions
-- of their days, which they attach first where a day has none. There is no default
-- partition: attaching a new one would have to scan it.

ALTER TABLE performance_metrics RENAME TO performance_metrics_unpartitioned;
ALTER TABLE performance_metrics_unpartitioned
    RENAME CONSTRAINT performance_metrics_pkey TO performance_metrics_unpartitioned_pkey;

CREATE TABLE performance_metrics (
    LIKE performance_metrics_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (creative_id, date, hour, country, device, placement, seat_id)
) PARTITION BY RANGE (date);

-- One partition for each day already stored.
DO $$
DECLARE
    day DATE;
BEGIN
    FOR day IN SELECT DISTINCT date FROM performance_metrics_unpartitioned ORDER BY 1 LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF performance_metrics FOR VALUES FROM (%L) TO (%L)',
            'performance_metrics_' || to_char(day, 'YYYYMMDD') || '_' || to_char(day, 'YYYYMMDD'),
            day,
            day + 1
        );
    END LOOP;
END
$$;

INSERT INTO performance_metrics SELECT * FROM performance_metrics_unpartitioned;
DROP TABLE performance_metrics_unpartitioned;
