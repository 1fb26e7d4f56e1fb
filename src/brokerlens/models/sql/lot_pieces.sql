-- lot_pieces: FIFO matching - the n-th unit sold is the n-th unit bought, so a sell takes from
-- a lot exactly where their places on the cumulative quantities overlap. A piece never takes
-- from a lot bought after the sell (inconsistent input leaves such units unmatched).
-- grain: one row per (lot, sell) pair that overlaps
-- columns: customer_id, instrument_id, asset_class, lot_id, buy_date, buy_price, sell_id,
--   sell_date, sell_price, quantity
WITH lots AS (
    SELECT customer_id, instrument_id, asset_class, lot_id, buy_date, buy_price, quantity, hi
    FROM lot_open
    UNION ALL
    SELECT customer_id, instrument_id, asset_class, lot_id, buy_date, buy_price, quantity, hi
    FROM lot_buys
)
SELECT
    l.customer_id,
    l.instrument_id,
    l.asset_class,
    l.lot_id,
    l.buy_date,
    l.buy_price,
    s.sell_id,
    s.sell_date,
    s.sell_price,
    least(l.hi, s.shi) - greatest(l.hi - l.quantity, s.shi - s.quantity) AS quantity
FROM lots AS l
INNER JOIN lot_sells AS s
    ON s.customer_id = l.customer_id AND s.instrument_id = l.instrument_id
    AND l.hi - l.quantity < s.shi AND s.shi - s.quantity < l.hi
WHERE l.buy_date <= s.sell_date
