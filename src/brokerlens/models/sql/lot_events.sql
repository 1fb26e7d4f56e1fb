-- lot_events: the buys and sells that open and close FIFO lots, business dates [:batch_start, :batch_end].
-- Stocks and exchange funds from trades (a buy is any buy but an IPO application; a sell is a
-- normal sell), OTC fund products from product_trades. When the batch starts at the lake's first
-- day (:first_day), holdings from before the history become opening lots dated that day
-- (quantity held at its close, less its buys, plus its sells) at their average cost.
-- grain: one row per buy, sell or opening lot
-- columns: customer_id, instrument_id, asset_class (stock, fund), side (buy, sell), event_id,
--   biz_date, seq (0 opening, 1 trade), event_time, quantity, price
WITH securities_on_to AS (
    SELECT security_id, security_type
    FROM securities_history
    WHERE valid_from <= :batch_end AND (valid_to IS NULL OR valid_to > :batch_end)
        AND security_type IN ('stock', 'etf', 'lof', 'closed_fund')
),
funds_on_to AS (
    SELECT product_id
    FROM products_history
    WHERE valid_from <= :batch_end AND (valid_to IS NULL OR valid_to > :batch_end)
        AND product_type IN ('money_market', 'bond_fund', 'hybrid_fund', 'equity_fund',
            'index_fund', 'qdii_fund', 'private_fund')
),
exchange AS (
    SELECT t.customer_id, t.security_id AS instrument_id,
        CASE WHEN s.security_type = 'stock' THEN 'stock' ELSE 'fund' END AS asset_class,
        t.side, t.trade_id AS event_id, t.biz_date, 1 AS seq, t.trade_time AS event_time,
        CAST(t.quantity AS DOUBLE) AS quantity, CAST(t.price AS DOUBLE) AS price
    FROM trades AS t
    INNER JOIN securities_on_to AS s ON s.security_id = t.security_id
    WHERE t.biz_date >= :batch_start AND t.biz_date <= :batch_end AND t.quantity > 0
        AND ((t.side = 'buy' AND t.trade_type <> 'ipo_subscribe')
            OR (t.side = 'sell' AND t.trade_type = 'normal'))
),
otc AS (
    SELECT o.customer_id, o.product_id AS instrument_id, 'fund' AS asset_class,
        CASE WHEN o.action = 'redeem' THEN 'sell' ELSE 'buy' END AS side,
        o.order_id AS event_id, o.biz_date, 1 AS seq, CAST(o.biz_date AS TIMESTAMP) AS event_time,
        CAST(o.units AS DOUBLE) AS quantity,
        CAST(o.amount AS DOUBLE) / nullif(CAST(o.units AS DOUBLE), 0) AS price
    FROM product_trades AS o
    INNER JOIN funds_on_to AS f ON f.product_id = o.product_id
    WHERE o.biz_date >= :batch_start AND o.biz_date <= :batch_end AND o.units > 0
        AND o.action IN ('subscribe', 'purchase', 'redeem')
),
traded AS (
    SELECT * FROM exchange
    UNION ALL
    SELECT * FROM otc
),
first_day_net AS (
    SELECT customer_id, instrument_id,
        sum(CASE WHEN side = 'buy' THEN quantity ELSE -quantity END) AS bought_net
    FROM traded
    WHERE biz_date = :first_day
    GROUP BY customer_id, instrument_id
),
held_first_day AS (
    SELECT p.customer_id, p.security_id AS instrument_id,
        CASE WHEN s.security_type = 'stock' THEN 'stock' ELSE 'fund' END AS asset_class,
        CAST(p.quantity AS DOUBLE) AS quantity,
        CAST(p.cost_amount AS DOUBLE) / nullif(CAST(p.quantity AS DOUBLE), 0) AS price
    FROM positions AS p
    INNER JOIN securities_on_to AS s ON s.security_id = p.security_id
    WHERE p.biz_date = :first_day AND p.quantity > 0 AND :batch_start = :first_day
    UNION ALL
    SELECT h.customer_id, h.product_id, 'fund',
        CAST(h.units AS DOUBLE), CAST(h.cost_amount AS DOUBLE) / nullif(CAST(h.units AS DOUBLE), 0)
    FROM product_holdings AS h
    INNER JOIN funds_on_to AS f ON f.product_id = h.product_id
    WHERE h.biz_date = :first_day AND h.units > 0 AND :batch_start = :first_day
),
opening AS (
    SELECT h.customer_id, h.instrument_id, h.asset_class, 'buy' AS side,
        'opening' AS event_id, CAST(:first_day AS DATE) AS biz_date, 0 AS seq,
        CAST(CAST(:first_day AS DATE) AS TIMESTAMP) AS event_time,
        h.quantity - coalesce(n.bought_net, 0) AS quantity, h.price
    FROM held_first_day AS h
    LEFT JOIN first_day_net AS n
        ON n.customer_id = h.customer_id AND n.instrument_id = h.instrument_id
    WHERE h.quantity - coalesce(n.bought_net, 0) > 0
)
SELECT * FROM traded
UNION ALL
SELECT * FROM opening
