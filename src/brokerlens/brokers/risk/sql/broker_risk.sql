-- broker_risk: four measures of each watched staff member's book over the window
--   [:since, :as_of], each beside their branch's, flagged where the thresholds say so.
-- grain: staff_id, metric ('customer_churn' | 'asset_loss' | 'trading_concentration' |
--   'risky_sales')
-- columns: as_of_date, window_start, staff_id, branch_id, metric, value (the broker's rate or
--   share; asset_loss: the change, -0.3 = lost 30%), branch_value (the same over the branch's
--   watched staff), base (customers at the start / trades / sales), hits (customers lost /
--   customers who traded the security / mismatched sales), detail (the security id of
--   trading_concentration), start_cents and end_cents (asset_loss: the book's assets at the
--   window's first loaded day and on T), flagged
-- Inputs: `risk_staff` (staff_id, branch_id of the watched staff as of T), `risk_ledger` (the
-- ledger of T), `risk_assets` (daily_assets of :start_day and :as_of), `risk_trades`,
-- `risk_product_trades` (the window's days), `risk_rules` (one row: the thresholds).
WITH held AS (
    SELECT
        l.staff_id,
        l.customer_id,
        min(l.valid_from) AS held_from,
        max(CASE WHEN l.valid_to IS NULL OR l.valid_to > :as_of THEN 1 ELSE 0 END) AS is_open,
        max(l.valid_to) AS last_end
    FROM risk_ledger AS l
    JOIN risk_staff AS s ON s.staff_id = l.staff_id
    WHERE l.valid_from <= :as_of
    GROUP BY l.staff_id, l.customer_id
),
pairs AS (
    SELECT
        h.staff_id,
        s.branch_id,
        h.customer_id,
        h.held_from,
        CASE WHEN h.is_open = 1 THEN NULL ELSE h.last_end END AS held_to
    FROM held AS h
    JOIN risk_staff AS s ON s.staff_id = h.staff_id
),
at_start AS (
    SELECT * FROM pairs
    WHERE held_from <= :start_day AND (held_to IS NULL OR held_to > :start_day)
),
closed AS (
    SELECT customer_id
    FROM customers_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND status = 'closed' AND close_date >= :since AND close_date <= :as_of
),
lost AS (
    SELECT
        p.staff_id,
        p.branch_id,
        count(*) AS base,
        count(CASE WHEN p.held_to IS NOT NULL OR c.customer_id IS NOT NULL THEN 1 END) AS hits
    FROM at_start AS p
    LEFT JOIN closed AS c ON c.customer_id = p.customer_id
    GROUP BY p.staff_id, p.branch_id
),
churn AS (
    SELECT
        staff_id,
        branch_id,
        'customer_churn' AS metric,
        CAST(hits AS DOUBLE) / base AS value,
        CAST(sum(hits) OVER (PARTITION BY branch_id) AS DOUBLE)
            / sum(base) OVER (PARTITION BY branch_id) AS branch_value,
        base,
        hits,
        CAST(NULL AS VARCHAR) AS detail,
        CAST(NULL AS BIGINT) AS start_cents,
        CAST(NULL AS BIGINT) AS end_cents
    FROM lost
),
assets AS (
    SELECT
        p.staff_id,
        p.branch_id,
        count(*) AS base,
        sum(CASE WHEN a.biz_date = :start_day THEN CAST(a.total_assets AS DOUBLE) ELSE 0 END)
            AS start_assets,
        sum(CASE WHEN a.biz_date = :as_of THEN CAST(a.total_assets AS DOUBLE) ELSE 0 END)
            AS end_assets
    FROM at_start AS p
    JOIN risk_assets AS a ON a.customer_id = p.customer_id
    GROUP BY p.staff_id, p.branch_id
),
asset_change AS (
    SELECT
        staff_id,
        branch_id,
        'asset_loss' AS metric,
        CASE WHEN start_assets > 0 THEN end_assets / start_assets - 1 END AS value,
        CASE WHEN sum(start_assets) OVER (PARTITION BY branch_id) > 0
            THEN sum(end_assets) OVER (PARTITION BY branch_id)
                / sum(start_assets) OVER (PARTITION BY branch_id) - 1
        END AS branch_value,
        base,
        CAST(NULL AS BIGINT) AS hits,
        CAST(NULL AS VARCHAR) AS detail,
        CAST(round(start_assets * 100) AS BIGINT) AS start_cents,
        CAST(round(end_assets * 100) AS BIGINT) AS end_cents
    FROM assets
),
open_pairs AS (
    SELECT * FROM pairs WHERE held_to IS NULL
),
traded AS (
    SELECT p.staff_id, p.branch_id, t.customer_id, t.security_id, t.amount
    FROM risk_trades AS t
    JOIN open_pairs AS p ON p.customer_id = t.customer_id
    WHERE t.trade_type <> 'ipo_subscribe'
),
by_security AS (
    SELECT
        staff_id,
        branch_id,
        security_id,
        sum(amount) AS amount,
        count(DISTINCT customer_id) AS customers
    FROM traded
    GROUP BY staff_id, branch_id, security_id
),
book_trading AS (
    SELECT staff_id, branch_id, count(*) AS trades, sum(amount) AS amount
    FROM traded
    GROUP BY staff_id, branch_id
),
top_security AS (
    SELECT staff_id, branch_id, security_id, amount, customers
    FROM (
        SELECT
            *,
            row_number() OVER (
                PARTITION BY staff_id ORDER BY amount DESC, security_id
            ) AS place
        FROM by_security
    )
    WHERE place = 1
),
branch_trading AS (  -- each customer's trades counted once in their broker's branch
    SELECT branch_id, security_id, sum(amount) AS amount
    FROM (
        SELECT DISTINCT p.branch_id, t.trade_id, t.security_id, t.amount
        FROM risk_trades AS t
        JOIN open_pairs AS p ON p.customer_id = t.customer_id
        WHERE t.trade_type <> 'ipo_subscribe'
    )
    GROUP BY branch_id, security_id
),
branch_total AS (
    SELECT branch_id, sum(amount) AS amount FROM branch_trading GROUP BY branch_id
),
concentration AS (
    SELECT
        b.staff_id,
        b.branch_id,
        'trading_concentration' AS metric,
        CASE WHEN b.amount > 0 THEN CAST(s.amount / b.amount AS DOUBLE) END AS value,
        CASE WHEN bt.amount > 0 THEN CAST(bs.amount / bt.amount AS DOUBLE) END AS branch_value,
        b.trades AS base,
        s.customers AS hits,
        s.security_id AS detail,
        CAST(NULL AS BIGINT) AS start_cents,
        CAST(NULL AS BIGINT) AS end_cents
    FROM book_trading AS b
    JOIN top_security AS s ON s.staff_id = b.staff_id
    LEFT JOIN branch_trading AS bs
        ON bs.branch_id = b.branch_id AND bs.security_id = s.security_id
    LEFT JOIN branch_total AS bt ON bt.branch_id = b.branch_id
),
products_now AS (
    SELECT product_id, risk_level
    FROM products_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
assessed AS (
    SELECT customer_id, assess_date, risk_class
    FROM risk_assessments_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
sales AS (
    SELECT o.order_id, o.customer_id, o.biz_date, p.risk_level
    FROM risk_product_trades AS o
    JOIN products_now AS p ON p.product_id = o.product_id
    WHERE o.action IN ('subscribe', 'purchase')
),
sale_class AS (  -- the customer's assessment in force on the sale's date
    SELECT order_id, risk_class
    FROM (
        SELECT
            s.order_id,
            a.risk_class,
            row_number() OVER (PARTITION BY s.order_id ORDER BY a.assess_date DESC) AS place
        FROM sales AS s
        JOIN assessed AS a ON a.customer_id = s.customer_id AND a.assess_date <= s.biz_date
    )
    WHERE place = 1
),
sold AS (
    SELECT
        p.staff_id,
        p.branch_id,
        s.order_id,
        CASE WHEN s.risk_level IN ('R4', 'R5') AND c.risk_class IN ('C1', 'C2') THEN 1 ELSE 0 END
            AS mismatched
    FROM sales AS s
    JOIN pairs AS p
        ON p.customer_id = s.customer_id
        AND p.held_from <= s.biz_date
        AND (p.held_to IS NULL OR p.held_to > s.biz_date)
    LEFT JOIN sale_class AS c ON c.order_id = s.order_id
),
branch_sales AS (
    SELECT branch_id, count(*) AS base, sum(mismatched) AS hits
    FROM (SELECT DISTINCT branch_id, order_id, mismatched FROM sold)
    GROUP BY branch_id
),
risky AS (
    SELECT
        s.staff_id,
        s.branch_id,
        'risky_sales' AS metric,
        CAST(sum(s.mismatched) AS DOUBLE) / count(*) AS value,
        CAST(max(b.hits) AS DOUBLE) / max(b.base) AS branch_value,
        count(*) AS base,
        CAST(sum(s.mismatched) AS BIGINT) AS hits,
        CAST(NULL AS VARCHAR) AS detail,
        CAST(NULL AS BIGINT) AS start_cents,
        CAST(NULL AS BIGINT) AS end_cents
    FROM sold AS s
    JOIN branch_sales AS b ON b.branch_id = s.branch_id
    GROUP BY s.staff_id, s.branch_id
),
measures AS (
    SELECT * FROM churn
    UNION ALL
    SELECT * FROM asset_change
    UNION ALL
    SELECT * FROM concentration
    UNION ALL
    SELECT * FROM risky
)
SELECT
    CAST(:as_of AS DATE) AS as_of_date,
    CAST(:since AS DATE) AS window_start,
    m.staff_id,
    m.branch_id,
    m.metric,
    CAST(m.value AS DOUBLE) AS value,
    CAST(m.branch_value AS DOUBLE) AS branch_value,
    CAST(m.base AS BIGINT) AS base,
    CAST(m.hits AS BIGINT) AS hits,
    m.detail,
    m.start_cents,
    m.end_cents,
    coalesce(CASE m.metric
        WHEN 'customer_churn' THEN
            m.base >= r.churn_min_customers AND m.hits >= r.churn_min_lost
            AND m.value >= r.churn_ratio * coalesce(m.branch_value, 0)
            AND m.value - coalesce(m.branch_value, 0) >= r.churn_min_gap
        WHEN 'asset_loss' THEN
            m.start_cents >= r.loss_min_assets * 100
            AND m.value <= coalesce(m.branch_value, 0) - r.loss_min_gap
        WHEN 'trading_concentration' THEN
            m.base >= r.conc_min_trades AND m.hits >= r.conc_min_customers
            AND m.value >= r.conc_share
            AND m.value >= r.conc_ratio * coalesce(m.branch_value, 0)
        WHEN 'risky_sales' THEN
            m.base >= r.sales_min AND m.hits >= r.sales_min_mismatched
            AND m.value >= r.sales_share
            AND m.value >= r.sales_ratio * coalesce(m.branch_value, 0)
    END, FALSE) AS flagged
FROM measures AS m
CROSS JOIN risk_rules AS r
ORDER BY m.staff_id, m.metric
