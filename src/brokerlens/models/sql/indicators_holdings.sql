-- indicators_holdings: what the customer holds on T - hot-stock and top-fund shares, risk score.
-- Hot stocks: the 50 stocks with the highest market trade amount (quotes) over the business days
-- [:start_20d, :as_of]; top funds: the 10 fund products with the largest firm-wide mean holding
-- over the same days. Money is summed as DECIMAL (exact, so the same whatever the order the
-- rows arrive in) and only the sums are turned into DOUBLE.
-- grain: one row per customer holding anything (positions, products or cash) on T
-- columns: customer_id, hot_stock_share_t, top_fund_share_t, holdings_risk
WITH securities_on_t AS (
    SELECT security_id, security_type
    FROM securities_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
products_on_t AS (
    SELECT product_id, product_type, risk_level,
        product_type IN ('money_market', 'bond_fund', 'hybrid_fund', 'equity_fund',
            'index_fund', 'qdii_fund', 'private_fund') AS is_fund
    FROM products_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
hot_stocks AS (
    SELECT security_id FROM (
        SELECT q.security_id, row_number() OVER (
            ORDER BY sum(q.amount) DESC, q.security_id) AS rank
        FROM quotes AS q
        INNER JOIN securities_on_t AS s ON s.security_id = q.security_id
        WHERE q.biz_date >= :start_20d AND q.biz_date <= :as_of AND s.security_type = 'stock'
        GROUP BY q.security_id
    ) AS ranked WHERE rank <= 50
),
top_funds AS (
    SELECT product_id FROM (
        SELECT h.product_id, row_number() OVER (
            ORDER BY sum(h.market_value) DESC, h.product_id) AS rank
        FROM product_holdings AS h
        INNER JOIN products_on_t AS p ON p.product_id = h.product_id
        WHERE h.biz_date >= :start_20d AND h.biz_date <= :as_of AND p.is_fund
        GROUP BY h.product_id
    ) AS ranked WHERE rank <= 10
),
holdings AS (
    SELECT
        p.customer_id,
        s.security_type = 'stock' AS is_stock,
        hs.security_id IS NOT NULL AS is_hot,
        FALSE AS is_fund,
        FALSE AS is_top_fund,
        CASE WHEN s.security_type = 'stock' THEN 4 WHEN s.security_type = 'warrant' THEN 5
            WHEN s.security_type IN ('etf', 'lof', 'closed_fund') THEN 3 ELSE 2 END AS risk,
        p.market_value AS value
    FROM positions AS p
    INNER JOIN securities_on_t AS s ON s.security_id = p.security_id
    LEFT JOIN hot_stocks AS hs ON hs.security_id = p.security_id
    WHERE p.biz_date = :as_of
    UNION ALL
    SELECT
        h.customer_id, FALSE, FALSE, pr.is_fund, tf.product_id IS NOT NULL,
        CAST(substr(pr.risk_level, 2, 1) AS INTEGER),
        h.market_value
    FROM product_holdings AS h
    INNER JOIN products_on_t AS pr ON pr.product_id = h.product_id
    LEFT JOIN top_funds AS tf ON tf.product_id = h.product_id
    WHERE h.biz_date = :as_of
    UNION ALL
    SELECT customer_id, FALSE, FALSE, FALSE, FALSE, 1, cash
    FROM daily_assets
    WHERE biz_date = :as_of AND cash > 0
)
SELECT
    customer_id,
    CAST(sum(CASE WHEN is_stock AND is_hot THEN value ELSE 0 END) AS DOUBLE)
        / nullif(CAST(sum(CASE WHEN is_stock THEN value ELSE 0 END) AS DOUBLE), 0)
        AS hot_stock_share_t,
    CAST(sum(CASE WHEN is_fund AND is_top_fund THEN value ELSE 0 END) AS DOUBLE)
        / nullif(CAST(sum(CASE WHEN is_fund THEN value ELSE 0 END) AS DOUBLE), 0)
        AS top_fund_share_t,
    CAST(sum(CASE WHEN value > 0 THEN value * risk ELSE 0 END) AS DOUBLE)
        / nullif(CAST(sum(CASE WHEN value > 0 THEN value ELSE 0 END) AS DOUBLE), 0)
        AS holdings_risk
FROM holdings
GROUP BY customer_id
