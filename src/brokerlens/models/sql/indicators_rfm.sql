-- indicators_rfm: recency, frequency and monetary value (RFM), each scored in quintiles 1..5
-- (5 the best) among the customers with a trade in the last 12 months (trades_12m > 0):
-- R on days_since_last_trade (fewer days scores higher), F on trades_12m, M on
-- net_commission_12m. NTILE(5) over the traders in order, then every customer of a tie takes
-- the highest quintile any of them reached, so equal values score alike on every engine and a
-- larger value never scores lower (quintiles stay near a fifth each unless values tie a lot).
-- Customers without a trade in the 12 months score 1 on each (they are not ranked).
-- grain: one row per customer of customers_asof
-- columns: customer_id, rfm_r_score, rfm_f_score, rfm_m_score
WITH traders AS (
    SELECT
        t.customer_id,
        coalesce(e.days_since_last_trade, 0) AS recency,
        t.trades_12m AS frequency,
        coalesce(m.net_commission_12m, 0) AS monetary
    FROM indicators_trading AS t
    JOIN indicators_events AS e ON e.customer_id = t.customer_id
    JOIN indicators_commission AS m ON m.customer_id = t.customer_id
    WHERE t.trades_12m > 0
),
tiles AS (
    SELECT
        customer_id, recency, frequency, monetary,
        ntile(5) OVER (ORDER BY recency DESC, customer_id) AS r_tile,
        ntile(5) OVER (ORDER BY frequency, customer_id) AS f_tile,
        ntile(5) OVER (ORDER BY monetary, customer_id) AS m_tile
    FROM traders
),
scores AS (
    SELECT
        customer_id,
        max(r_tile) OVER (PARTITION BY recency) AS r_score,
        max(f_tile) OVER (PARTITION BY frequency) AS f_score,
        max(m_tile) OVER (PARTITION BY monetary) AS m_score
    FROM tiles
)
SELECT
    c.customer_id,
    CAST(coalesce(s.r_score, 1) AS DOUBLE) AS rfm_r_score,
    CAST(coalesce(s.f_score, 1) AS DOUBLE) AS rfm_f_score,
    CAST(coalesce(s.m_score, 1) AS DOUBLE) AS rfm_m_score
FROM customers_asof AS c
LEFT JOIN scores AS s ON s.customer_id = c.customer_id
