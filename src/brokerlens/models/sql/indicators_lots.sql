-- indicators_lots: holding periods and realised gains from the FIFO lots (lot_buys_all: every lot
-- ever opened; lot_pieces_all: every matched piece). Only what was known on T is used: lots
-- bought and pieces sold by then.
-- Holding days are weighted by each lot's cost (quantity x buy price), counted to the sell date
-- for sold pieces and to :end_last_month for what was still held then.
-- grain: one row per customer with any lot
-- columns: customer_id, avg_holding_days_stock, avg_holding_days_fund, profitable_sells_6m,
--   small_gain_sell_share_6m, big_gain_sell_share_6m, ex_right_held_share_6m
WITH sold_by_month_end AS (
    SELECT customer_id, instrument_id, lot_id,
        sum(quantity) AS quantity,
        sum(quantity * date_diff('day', buy_date, sell_date)) AS quantity_days
    FROM lot_pieces_all
    WHERE sell_date <= :end_last_month
    GROUP BY customer_id, instrument_id, lot_id
),
holding AS (
    SELECT
        l.customer_id,
        sum(CASE WHEN l.asset_class = 'stock' THEN l.buy_price * (coalesce(s.quantity_days, 0)
            + (l.quantity - coalesce(s.quantity, 0))
            * date_diff('day', l.buy_date, :end_last_month)) END)
            / nullif(sum(CASE WHEN l.asset_class = 'stock' THEN l.buy_price * l.quantity END), 0)
            AS avg_holding_days_stock,
        sum(CASE WHEN l.asset_class = 'fund' THEN l.buy_price * (coalesce(s.quantity_days, 0)
            + (l.quantity - coalesce(s.quantity, 0))
            * date_diff('day', l.buy_date, :end_last_month)) END)
            / nullif(sum(CASE WHEN l.asset_class = 'fund' THEN l.buy_price * l.quantity END), 0)
            AS avg_holding_days_fund
    FROM lot_buys_all AS l
    LEFT JOIN sold_by_month_end AS s
        ON s.customer_id = l.customer_id AND s.instrument_id = l.instrument_id
        AND s.lot_id = l.lot_id
    WHERE l.buy_date <= :end_last_month
    GROUP BY l.customer_id
),
sells_6m AS (
    SELECT customer_id, sell_id,
        sum(quantity * sell_price) / nullif(sum(quantity * buy_price), 0) - 1 AS gain
    FROM lot_pieces_all
    WHERE asset_class = 'stock' AND sell_date >= :start_6m AND sell_date <= :as_of
    GROUP BY customer_id, sell_id
),
gains AS (
    SELECT customer_id,
        count(CASE WHEN gain > 0 THEN 1 END) AS profitable,
        count(CASE WHEN gain > 0 AND gain < 0.10 THEN 1 END) AS small,
        count(CASE WHEN gain > 0.20 THEN 1 END) AS big
    FROM sells_6m
    GROUP BY customer_id
),
stock_lots AS (
    SELECT customer_id, instrument_id, lot_id, buy_date, quantity
    FROM lot_buys_all
    WHERE asset_class = 'stock' AND buy_date <= :as_of
),
stock_pieces AS (
    SELECT customer_id, instrument_id, lot_id, sell_date, quantity
    FROM lot_pieces_all
    WHERE asset_class = 'stock' AND sell_date <= :as_of
),
sold_before_window AS (
    SELECT customer_id, instrument_id, lot_id, sum(quantity) AS quantity
    FROM stock_pieces WHERE sell_date < :start_6m
    GROUP BY customer_id, instrument_id, lot_id
),
held_in_window AS (
    SELECT l.customer_id, l.instrument_id, l.lot_id, l.buy_date, l.quantity
    FROM stock_lots AS l
    LEFT JOIN sold_before_window AS s
        ON s.customer_id = l.customer_id AND s.instrument_id = l.instrument_id
        AND s.lot_id = l.lot_id
    WHERE l.quantity - coalesce(s.quantity, 0) > 0
),
actions AS (
    SELECT DISTINCT security_id, ex_date
    FROM corporate_actions_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND ex_date >= :start_6m AND ex_date <= :as_of
),
lot_actions AS (
    SELECT h.customer_id, h.instrument_id, h.lot_id, h.quantity, a.ex_date
    FROM held_in_window AS h
    INNER JOIN actions AS a ON a.security_id = h.instrument_id AND h.buy_date < a.ex_date
),
sold_before_ex AS (
    SELECT la.customer_id, la.instrument_id, la.lot_id, la.ex_date, la.quantity,
        coalesce(sum(p.quantity), 0) AS sold
    FROM lot_actions AS la
    LEFT JOIN stock_pieces AS p
        ON p.customer_id = la.customer_id AND p.instrument_id = la.instrument_id
        AND p.lot_id = la.lot_id AND p.sell_date < la.ex_date
    GROUP BY la.customer_id, la.instrument_id, la.lot_id, la.ex_date, la.quantity
),
ex_held AS (
    SELECT customer_id, count(DISTINCT instrument_id) AS stocks
    FROM sold_before_ex WHERE quantity - sold > 0
    GROUP BY customer_id
),
held AS (
    SELECT customer_id, count(DISTINCT instrument_id) AS stocks
    FROM held_in_window
    GROUP BY customer_id
),
ids AS (
    SELECT customer_id FROM holding
    UNION
    SELECT customer_id FROM gains
    UNION
    SELECT customer_id FROM held
)
SELECT
    i.customer_id,
    h.avg_holding_days_stock,
    h.avg_holding_days_fund,
    CAST(coalesce(g.profitable, 0) AS DOUBLE) AS profitable_sells_6m,
    CAST(g.small AS DOUBLE) / nullif(g.profitable, 0) AS small_gain_sell_share_6m,
    CAST(g.big AS DOUBLE) / nullif(g.profitable, 0) AS big_gain_sell_share_6m,
    CAST(coalesce(e.stocks, 0) AS DOUBLE) / nullif(d.stocks, 0) AS ex_right_held_share_6m
FROM ids AS i
LEFT JOIN holding AS h ON h.customer_id = i.customer_id
LEFT JOIN gains AS g ON g.customer_id = i.customer_id
LEFT JOIN held AS d ON d.customer_id = i.customer_id
LEFT JOIN ex_held AS e ON e.customer_id = i.customer_id
