-- lot_sells: every sell of the batch with its place [shi - quantity, shi) on the cumulative
-- sold quantity of its customer and instrument (continuing from lot_counters).
-- grain: one row per sell
-- columns: customer_id, instrument_id, sell_id, sell_date, sell_price, quantity, shi
SELECT
    e.customer_id,
    e.instrument_id,
    e.event_id AS sell_id,
    e.biz_date AS sell_date,
    e.price AS sell_price,
    e.quantity,
    coalesce(c.sold, 0) + sum(e.quantity) OVER (
        PARTITION BY e.customer_id, e.instrument_id
        ORDER BY e.biz_date, e.event_time, e.event_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS shi
FROM lot_events AS e
LEFT JOIN lot_counters AS c
    ON c.customer_id = e.customer_id AND c.instrument_id = e.instrument_id
WHERE e.side = 'sell'
