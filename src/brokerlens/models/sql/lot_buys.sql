-- lot_buys: every buy of the batch as a lot with its place [hi - quantity, hi) on the
-- cumulative bought quantity of its customer and instrument (continuing from lot_counters).
-- grain: one row per lot
-- columns: customer_id, instrument_id, asset_class, lot_id, buy_date, buy_price, quantity, hi
SELECT
    e.customer_id,
    e.instrument_id,
    e.asset_class,
    e.event_id AS lot_id,
    e.biz_date AS buy_date,
    e.price AS buy_price,
    e.quantity,
    coalesce(c.bought, 0) + sum(e.quantity) OVER (
        PARTITION BY e.customer_id, e.instrument_id
        ORDER BY e.biz_date, e.seq, e.event_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS hi
FROM lot_events AS e
LEFT JOIN lot_counters AS c
    ON c.customer_id = e.customer_id AND c.instrument_id = e.instrument_id
WHERE e.side = 'buy'
