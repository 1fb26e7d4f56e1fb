-- churn_labels: each customer's first churn found in the lake, hard or soft (churn.yaml).
-- grain: one row per customer that churned; customers who never did have no row
-- columns: customer_id, churn_date, churn_di, churn_kind (hard, soft), churn_cause
--   (closed, transferred_out, designation_cancelled, customer_closed, net_outflow)
-- relations: churn_days (biz_date, di: 0, 1, ... over the loaded trading days),
--   churn_hard_types (account_type), churn_hard_statuses (status), customer_day,
--   accounts_history, customers_history
-- A hard churn's date is its close_date, else the first delivery showing the status, moved to
-- the next loaded trading day. A soft churn's date is the first day whose outflow window meets
-- the share and whose return window (which must lie inside the lake) brings back too little.
WITH hard_account AS (
    SELECT a.customer_id, coalesce(a.close_date, a.valid_from) AS churn_date, a.status AS cause
    FROM accounts_history AS a
    JOIN churn_hard_types AS t ON t.account_type = a.account_type
    JOIN churn_hard_statuses AS s ON s.status = a.status
),
hard_customer AS (
    SELECT customer_id, coalesce(close_date, valid_from) AS churn_date, 'customer_closed' AS cause
    FROM customers_history
    WHERE status = 'closed'
),
hard_days AS (
    SELECT h.customer_id, h.cause, min(d.di) AS churn_di
    FROM (SELECT * FROM hard_account UNION ALL SELECT * FROM hard_customer) AS h
    JOIN churn_days AS d ON d.biz_date >= h.churn_date
    GROUP BY h.customer_id, h.cause, h.churn_date
),
hard AS (
    SELECT DISTINCT ON (customer_id) customer_id, churn_di, cause
    FROM hard_days
    ORDER BY customer_id, churn_di, cause
),
flows AS (
    SELECT
        c.customer_id,
        d.di,
        CAST(c.total_assets AS DOUBLE) AS assets,
        CAST(c.transfer_in AS DOUBLE) - CAST(c.transfer_out AS DOUBLE) AS net_in
    FROM customer_day AS c
    JOIN churn_days AS d ON d.biz_date = c.biz_date
),
-- issue 21: a window's net outflow needs a day of net outflow, so only the customers with one
-- can churn softly; the windows are computed for them alone (whole partitions: the same
-- figures), not for every customer-day of the history
outflowing AS (
    SELECT DISTINCT customer_id FROM flows WHERE net_in < 0
),
windows AS (
    SELECT
        customer_id,
        di,
        sum(net_in) OVER (
            PARTITION BY customer_id ORDER BY di
            RANGE BETWEEN :outflow_days - 1 PRECEDING AND CURRENT ROW
        ) AS net_in_window,
        last_value(assets) OVER (
            PARTITION BY customer_id ORDER BY di
            RANGE BETWEEN UNBOUNDED PRECEDING AND :outflow_days PRECEDING
        ) AS base_assets,
        sum(net_in) OVER (
            PARTITION BY customer_id ORDER BY di
            RANGE BETWEEN 1 FOLLOWING AND :return_days FOLLOWING
        ) AS net_in_after
    FROM flows
    WHERE customer_id IN (SELECT customer_id FROM outflowing)
),
soft AS (
    SELECT customer_id, min(di) AS churn_di, 'net_outflow' AS cause
    FROM windows
    WHERE base_assets >= :min_assets
        AND -net_in_window > :outflow_share * base_assets
        AND coalesce(net_in_after, 0) < :return_share * (-net_in_window)
        AND di + :return_days <= :last_di
    GROUP BY customer_id
),
both_kinds AS (
    SELECT customer_id, churn_di, 'hard' AS churn_kind, cause FROM hard
    UNION ALL
    SELECT customer_id, churn_di, 'soft' AS churn_kind, cause FROM soft
)
SELECT
    b.customer_id,
    d.biz_date AS churn_date,
    b.churn_di,
    b.churn_kind,
    b.cause AS churn_cause
FROM (
    -- the first churn wins; on one day a hard churn outranks a soft one
    SELECT *, row_number() OVER (
        PARTITION BY customer_id ORDER BY churn_di, churn_kind
    ) AS rn
    FROM both_kinds
) AS b
JOIN churn_days AS d ON d.di = b.churn_di
WHERE b.rn = 1
