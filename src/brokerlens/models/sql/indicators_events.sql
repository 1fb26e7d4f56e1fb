-- indicators_events: what happened to the customer on T and lately, for the alerts (客户定位).
-- Reads only the dates it needs: customer_day_recent holds the customer_day files covering the
-- last 21 loaded days (T, the day before, the 20-day window and the day before it); trades are
-- the last 3 months' (registered by the pipeline), customer_month the complete months.
-- :prev_day is the loaded day before T and :day_20d_ago the one before the 20-day window
-- starting at :start_20d; each is 1900-01-01 when the lake does not reach back that far (the
-- figure is then NULL).
-- A trade is any but an IPO application (ipo_subscribe), as trade_count counts them. The last
-- trade is found to the day within the registered 3 months; before that, at the end of the last
-- complete month with a trade (a lower bound on the days since, far above any dormancy limit).
-- Account closing: the customer closed, or an account closed, transferred out or its
-- designation cancelled, each with close_date T in the version delivered by T; an advisory
-- agreement with cancel_date T. Entitlements: a stock held on T (positions of T) going ex on T,
-- plus the ipo_allot trades of T.
-- grain: one row per customer of customers_asof
-- columns: customer_id, transfer_out_t, transfer_in_t, total_assets_prev, transfer_out_20d,
--   total_assets_20d_ago, account_closed_t, agreement_cancelled_t, position_value_t,
--   entitlement_events_t, days_since_last_trade, assessment_days_to_expiry, open_complaint_days
WITH on_t AS (
    SELECT customer_id, transfer_out, transfer_in,
        coalesce(stock_value, 0) + coalesce(fund_value, 0) + coalesce(bond_value, 0)
            + coalesce(product_value, 0) + coalesce(other_value, 0) AS position_value
    FROM customer_day_recent
    WHERE biz_date = :as_of
),
prev AS (
    SELECT customer_id, total_assets FROM customer_day_recent WHERE biz_date = :prev_day
),
ago AS (
    SELECT customer_id, total_assets FROM customer_day_recent WHERE biz_date = :day_20d_ago
),
out_20d AS (
    SELECT customer_id, sum(transfer_out) AS transfer_out
    FROM customer_day_recent
    WHERE biz_date >= :start_20d AND biz_date <= :as_of
    GROUP BY customer_id
),
closed_accounts AS (
    SELECT DISTINCT customer_id
    FROM accounts_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND status IN ('closed', 'transferred_out', 'designation_cancelled')
        AND close_date = :as_of
),
cancelled AS (
    SELECT DISTINCT customer_id
    FROM service_agreements_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND service = 'advisory' AND cancel_date = :as_of
),
ex_today AS (
    SELECT DISTINCT security_id
    FROM corporate_actions_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND ex_date = :as_of
),
entitlements AS (
    SELECT customer_id, count(*) AS events FROM (
        SELECT DISTINCT p.customer_id, p.security_id
        FROM positions AS p
        INNER JOIN ex_today AS x ON x.security_id = p.security_id
        WHERE p.biz_date = :as_of AND p.quantity > 0
        UNION ALL
        SELECT customer_id, trade_id AS security_id
        FROM trades
        WHERE biz_date = :as_of AND trade_type = 'ipo_allot'
    ) AS events
    GROUP BY customer_id
),
last_trade_day AS (
    SELECT customer_id, max(biz_date) AS last_day
    FROM trades
    WHERE biz_date <= :as_of AND trade_type <> 'ipo_subscribe'
    GROUP BY customer_id
),
last_trade_month AS (
    SELECT customer_id, max(month_start) AS last_month
    FROM customer_month
    WHERE trade_count > 0
    GROUP BY customer_id
),
assessed AS (
    SELECT customer_id, expire_date FROM (
        SELECT customer_id, expire_date,
            row_number() OVER (
                PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) AS n
        FROM risk_assessments_history
        WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
            AND assess_date <= :as_of
    ) AS ranked WHERE n = 1
),
complaints_open AS (
    SELECT customer_id, min(open_date) AS oldest
    FROM complaints_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND status IN ('open', 'processing') AND open_date <= :as_of
    GROUP BY customer_id
)
SELECT
    c.customer_id,
    CAST(coalesce(t.transfer_out, 0) AS DOUBLE) AS transfer_out_t,
    CAST(coalesce(t.transfer_in, 0) AS DOUBLE) AS transfer_in_t,
    CAST(p.total_assets AS DOUBLE) AS total_assets_prev,
    CAST(coalesce(o.transfer_out, 0) AS DOUBLE) AS transfer_out_20d,
    CAST(a.total_assets AS DOUBLE) AS total_assets_20d_ago,
    CAST(CASE WHEN (c.status = 'closed' AND c.close_date = :as_of) OR x.customer_id IS NOT NULL
        THEN 1 ELSE 0 END AS DOUBLE) AS account_closed_t,
    CAST(CASE WHEN g.customer_id IS NULL THEN 0 ELSE 1 END AS DOUBLE) AS agreement_cancelled_t,
    CAST(coalesce(t.position_value, 0) AS DOUBLE) AS position_value_t,
    CAST(coalesce(e.events, 0) AS DOUBLE) AS entitlement_events_t,
    CAST(coalesce(
        date_diff('day', d.last_day, CAST(:as_of AS DATE)),
        date_diff('day', last_day(m.last_month), CAST(:as_of AS DATE))
    ) AS DOUBLE) AS days_since_last_trade,
    CAST(date_diff('day', CAST(:as_of AS DATE), s.expire_date) AS DOUBLE)
        AS assessment_days_to_expiry,
    CAST(date_diff('day', k.oldest, CAST(:as_of AS DATE)) AS DOUBLE) AS open_complaint_days
FROM customers_asof AS c
LEFT JOIN on_t AS t ON t.customer_id = c.customer_id
LEFT JOIN prev AS p ON p.customer_id = c.customer_id
LEFT JOIN ago AS a ON a.customer_id = c.customer_id
LEFT JOIN out_20d AS o ON o.customer_id = c.customer_id
LEFT JOIN closed_accounts AS x ON x.customer_id = c.customer_id
LEFT JOIN cancelled AS g ON g.customer_id = c.customer_id
LEFT JOIN entitlements AS e ON e.customer_id = c.customer_id
LEFT JOIN last_trade_day AS d ON d.customer_id = c.customer_id
LEFT JOIN last_trade_month AS m ON m.customer_id = c.customer_id
LEFT JOIN assessed AS s ON s.customer_id = c.customer_id
LEFT JOIN complaints_open AS k ON k.customer_id = c.customer_id
