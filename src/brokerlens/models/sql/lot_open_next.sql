-- lot_open_next: the lots not yet wholly sold after the batch (the next batch matches only these).
-- grain: one row per open lot
-- columns: customer_id, instrument_id, asset_class, lot_id, buy_date, buy_price, quantity, hi
WITH lots AS (
    SELECT customer_id, instrument_id, asset_class, lot_id, buy_date, buy_price, quantity, hi
    FROM lot_open
    UNION ALL
    SELECT customer_id, instrument_id, asset_class, lot_id, buy_date, buy_price, quantity, hi
    FROM lot_buys
)
SELECT l.*
FROM lots AS l
INNER JOIN lot_counters_next AS c
    ON c.customer_id = l.customer_id AND c.instrument_id = l.instrument_id
WHERE l.hi > c.sold
