-- lot_counters_next: cumulative bought and sold quantity per customer and instrument after the
-- batch: lot_counters plus the batch's buys and sells.
-- grain: one row per customer and instrument ever traded
-- columns: customer_id, instrument_id, bought, sold
WITH moves AS (
    SELECT customer_id, instrument_id, bought, sold FROM lot_counters
    UNION ALL
    SELECT customer_id, instrument_id,
        CASE WHEN side = 'buy' THEN quantity ELSE 0 END,
        CASE WHEN side = 'sell' THEN quantity ELSE 0 END
    FROM lot_events
)
SELECT customer_id, instrument_id, sum(bought) AS bought, sum(sold) AS sold
FROM moves
GROUP BY customer_id, instrument_id
