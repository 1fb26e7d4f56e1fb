-- indicators_preference: the industry and the board that take most of 3 months' stock buys.
-- Ties go to the alphabetically first name, so the result never depends on the engine; amounts
-- are summed as DECIMAL (exact in any order) and only the shares are DOUBLE.
-- grain: one row per customer with stock buys in [:start_3m, :as_of]
-- columns: customer_id, top_industry_3m, top_industry_share_3m, top_board_3m, top_board_share_3m
WITH securities_on_t AS (
    SELECT security_id, security_type, industry,
        CASE board
            WHEN 'main' THEN '主板' WHEN 'chinext' THEN '创业板'
            WHEN 'star' THEN '科创板' WHEN 'bse' THEN '北交所'
        END AS board_label
    FROM securities_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
stock_buys AS (
    SELECT t.customer_id, s.industry, s.board_label, t.amount
    FROM trades AS t
    INNER JOIN securities_on_t AS s ON s.security_id = t.security_id
    WHERE t.biz_date >= :start_3m AND t.biz_date <= :as_of
        AND t.side = 'buy' AND t.trade_type <> 'ipo_subscribe' AND s.security_type = 'stock'
),
by_industry AS (
    SELECT customer_id, industry, sum(amount) AS amount
    FROM stock_buys WHERE industry IS NOT NULL GROUP BY customer_id, industry
),
by_board AS (
    SELECT customer_id, board_label, sum(amount) AS amount
    FROM stock_buys WHERE board_label IS NOT NULL GROUP BY customer_id, board_label
),
totals AS (
    SELECT customer_id, sum(amount) AS amount FROM stock_buys GROUP BY customer_id
),
top_industry AS (
    SELECT customer_id, industry, amount, row_number() OVER (
        PARTITION BY customer_id ORDER BY amount DESC, industry) AS rank
    FROM by_industry
),
top_board AS (
    SELECT customer_id, board_label, amount, row_number() OVER (
        PARTITION BY customer_id ORDER BY amount DESC, board_label) AS rank
    FROM by_board
)
SELECT
    t.customer_id,
    i.industry AS top_industry_3m,
    CAST(i.amount AS DOUBLE) / nullif(CAST(t.amount AS DOUBLE), 0) AS top_industry_share_3m,
    b.board_label AS top_board_3m,
    CAST(b.amount AS DOUBLE) / nullif(CAST(t.amount AS DOUBLE), 0) AS top_board_share_3m
FROM totals AS t
LEFT JOIN top_industry AS i ON i.customer_id = t.customer_id AND i.rank = 1
LEFT JOIN top_board AS b ON b.customer_id = t.customer_id AND b.rank = 1
