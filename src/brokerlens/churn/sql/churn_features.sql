-- churn_features: what a brokerage knows of each customer as of T, from dates <= T only.
-- grain: one row per customer on the books at T (known, not closed, no hard churn yet)
-- params: as_of (T), t (T's day index), lookback (trading days of the longest window)
-- relations: churn_days (biz_date, di), customer_day (the warehouse's running daily aggregate,
--   registered over the lookback's files), churn_hard_types, churn_hard_statuses,
--   accounts_history, customers_history,
--   service_agreements_history, complaints_history, contacts (every loaded date up to T: the
--   lookback's are picked by date), positions (over T), index_quotes (T and the date 20 trading
--   days before; :benchmark is the index the returns are compared with), :first_day (the
--   first loaded date)
-- Every reference feed is read as it was delivered by T (valid_from <= T), so a later delivery
-- cannot change a figure of T. Ratios are NULL where their base is 0 (the model takes NULL as
-- missing). Windows: "20" = the 20 trading days ending at T, "60" = the lookback.
WITH win AS (
    SELECT c.*, d.di
    FROM customer_day AS c
    JOIN churn_days AS d ON d.biz_date = c.biz_date
    WHERE d.di > :t - :lookback AND d.di <= :t
),
activity AS (
    SELECT
        customer_id,
        coalesce(max(CAST(total_assets AS DOUBLE)) FILTER (WHERE di = :t), 0) AS assets_t,
        coalesce(max(CAST(total_assets AS DOUBLE)) FILTER (WHERE di = :t - 20), 0) AS assets_20,
        coalesce(
            max(CAST(total_assets AS DOUBLE)) FILTER (WHERE di = :t - :lookback + 1), 0
        ) AS assets_start,
        max(CAST(total_assets AS DOUBLE)) AS assets_max,
        avg(CAST(total_assets AS DOUBLE)) AS assets_mean_seen,
        coalesce(max(CAST(available_cash AS DOUBLE)) FILTER (WHERE di = :t), 0) AS cash_t,
        coalesce(max(CAST(stock_value AS DOUBLE)) FILTER (WHERE di = :t), 0) AS stock_t,
        coalesce(sum(CAST(transfer_out AS DOUBLE)) FILTER (WHERE di > :t - 5), 0) AS out_5,
        coalesce(sum(CAST(transfer_out AS DOUBLE)) FILTER (WHERE di > :t - 20), 0) AS out_20,
        coalesce(sum(CAST(transfer_in AS DOUBLE)) FILTER (WHERE di > :t - 20), 0) AS in_20,
        sum(CAST(transfer_out AS DOUBLE)) AS out_60,
        sum(CAST(transfer_in AS DOUBLE)) AS in_60,
        -- flows after the window's first day: the ones inside the return's period
        coalesce(sum(CAST(transfer_in AS DOUBLE) - CAST(transfer_out AS DOUBLE))
            FILTER (WHERE di > :t - :lookback + 1), 0) AS net_in_after_start,
        coalesce(sum(CAST(transfer_in AS DOUBLE) - CAST(transfer_out AS DOUBLE))
            FILTER (WHERE di > :t - 20), 0) AS net_in_after_20,
        count(*) FILTER (WHERE di > :t - 20 AND transfer_out > 0) AS out_days_20,
        coalesce(sum(trade_count) FILTER (WHERE di > :t - 20), 0) AS trades_20,
        coalesce(sum(trade_count), 0) AS trades_60,
        coalesce(sum(CAST(trade_amount AS DOUBLE)) FILTER (WHERE di > :t - 20), 0)
            AS trade_amount_20,
        coalesce(sum(CAST(trade_amount AS DOUBLE)), 0) AS trade_amount_60,
        coalesce(sum(CAST(net_commission AS DOUBLE)), 0) AS commission_60,
        max(di) FILTER (WHERE trade_count > 0) AS last_trade_di,
        max(di) FILTER (WHERE transfer_in > 0) AS last_in_di
    FROM win
    GROUP BY customer_id
),
customers_t AS (
    SELECT DISTINCT ON (customer_id)
        customer_id, branch_id, open_date, birth_date, status, customer_type
    FROM customers_history
    WHERE valid_from <= :as_of
    ORDER BY customer_id, valid_from DESC
),
accounts_t AS (
    SELECT DISTINCT ON (account_id) account_id, customer_id, account_type, status, close_date
    FROM accounts_history
    WHERE valid_from <= :as_of
    ORDER BY account_id, valid_from DESC
),
account_counts AS (
    SELECT
        a.customer_id,
        count(*) FILTER (WHERE a.status = 'normal') AS accounts_open,
        count(*) FILTER (WHERE a.status <> 'normal' AND t.account_type IS NULL) AS accounts_closed,
        count(*) FILTER (WHERE t.account_type IS NOT NULL AND s.status IS NOT NULL) AS hard_closed
    FROM accounts_t AS a
    LEFT JOIN churn_hard_types AS t ON t.account_type = a.account_type
    LEFT JOIN churn_hard_statuses AS s ON s.status = a.status
    GROUP BY a.customer_id
),
agreements_t AS (
    SELECT DISTINCT ON (agreement_id) agreement_id, customer_id, cancel_date
    FROM service_agreements_history
    WHERE valid_from <= :as_of
    ORDER BY agreement_id, valid_from DESC
),
agreement_counts AS (
    SELECT
        customer_id,
        count(*) FILTER (WHERE cancel_date IS NULL OR cancel_date > :as_of) AS agreements,
        count(*) FILTER (WHERE cancel_date <= :as_of AND cancel_date > :as_of - 90)
            AS agreements_cancelled_90
    FROM agreements_t
    GROUP BY customer_id
),
complaints_t AS (
    SELECT DISTINCT ON (complaint_id) complaint_id, customer_id, open_date, status
    FROM complaints_history
    WHERE valid_from <= :as_of AND open_date <= :as_of
    ORDER BY complaint_id, valid_from DESC
),
complaint_counts AS (
    SELECT
        customer_id,
        count(*) FILTER (WHERE status <> 'closed') AS complaints_open,
        count(*) FILTER (WHERE open_date > :as_of - 90) AS complaints_90
    FROM complaints_t
    GROUP BY customer_id
),
contact_counts AS (
    SELECT
        c.customer_id,
        count(*) FILTER (WHERE c.purpose <> 'marketing' AND c.result IN ('reached', 'done'))
            AS service_contacts_60,
        count(*) AS contacts_60,
        count(*) FILTER (WHERE c.purpose = 'care' AND d.di > :t - 20) AS care_contacts_20,
        max(d.di) AS last_contact_di
    FROM contacts AS c
    JOIN churn_days AS d ON d.biz_date = c.biz_date
    WHERE d.di > :t - :lookback AND d.di <= :t
    GROUP BY c.customer_id
),
-- issue 20: how long since any contact, over every loaded date (a neglected customer goes
-- months without one; the lookback alone cannot tell 60 trading days from a year)
contact_gap AS (
    SELECT customer_id, max(biz_date) AS last_contact_date
    FROM contacts
    WHERE biz_date <= :as_of
    GROUP BY customer_id
),
-- issue 20: the benchmark index over the same 20 trading days as return_20
benchmark AS (
    SELECT
        max(CAST(q.close AS DOUBLE)) FILTER (WHERE d.di = :t) AS close_t,
        max(CAST(q.close AS DOUBLE)) FILTER (WHERE d.di = :t - 20) AS close_20
    FROM index_quotes AS q
    JOIN churn_days AS d ON d.biz_date = q.biz_date
    WHERE q.index_id = :benchmark AND d.di IN (:t, :t - 20)
),
position_counts AS (
    SELECT customer_id, count(DISTINCT security_id) AS positions_t
    FROM positions
    WHERE biz_date = :as_of AND quantity > 0
    GROUP BY customer_id
)
SELECT
    c.customer_id,
    c.branch_id,
    coalesce(a.assets_t, 0) AS assets_t,
    coalesce(a.assets_20, 0) AS assets_20,
    coalesce(a.assets_start, 0) AS assets_start,
    a.cash_t / nullif(a.assets_t, 0) AS cash_share,
    a.stock_t / nullif(a.assets_t, 0) AS stock_share,
    a.assets_t / nullif(a.assets_20, 0) - 1 AS assets_change_20,
    a.assets_t / nullif(a.assets_start, 0) - 1 AS assets_change_60,
    a.assets_t / nullif(a.assets_max, 0) - 1 AS drawdown_60,
    coalesce(a.out_5, 0) AS out_5,
    coalesce(a.out_20, 0) AS out_20,
    coalesce(a.in_20, 0) AS in_20,
    a.out_20 - a.in_20 AS net_out_20,
    (a.out_20 - a.in_20) / nullif(a.assets_20, 0) AS net_out_share_20,
    coalesce(a.out_60, 0) - coalesce(a.in_60, 0) AS net_out_60,
    (coalesce(a.out_60, 0) - coalesce(a.in_60, 0)) / nullif(a.assets_start, 0)
        AS net_out_share_60,
    coalesce(a.out_days_20, 0) AS out_days_20,
    (a.assets_t - a.assets_20 - a.net_in_after_20) / nullif(a.assets_20, 0) AS return_20,
    (a.assets_t - a.assets_start - a.net_in_after_start) / nullif(a.assets_start, 0)
        AS return_60,
    -- return_20 less the benchmark's return over the same days (issue 20)
    (a.assets_t - a.assets_20 - a.net_in_after_20) / nullif(a.assets_20, 0)
        - (b.close_t / nullif(b.close_20, 0) - 1) AS excess_return_20,
    CAST(coalesce(a.trades_20, 0) AS BIGINT) AS trades_20,
    CAST(coalesce(a.trades_60, 0) - coalesce(a.trades_20, 0) AS BIGINT) AS trades_prev_40,
    coalesce(a.trade_amount_20, 0) AS trade_amount_20,
    coalesce(a.trade_amount_60, 0) - coalesce(a.trade_amount_20, 0) AS trade_amount_prev_40,
    coalesce(a.commission_60, 0) AS commission_60,
    a.commission_60 / nullif(a.trade_amount_60, 0) AS commission_rate_60,
    coalesce(:t - a.last_in_di, :lookback) AS days_since_transfer_in,
    -- no trade inside the lookback reads as the lookback itself ("60 days or more")
    coalesce(:t - a.last_trade_di, :lookback) AS days_since_trade,
    coalesce(p.positions_t, 0) AS positions_t,
    date_diff('day', c.open_date, :as_of) AS account_age_days,
    CAST(year(:as_of) - year(c.birth_date) AS BIGINT) AS age_years,  -- DuckDB's date_diff('year'): year boundaries crossed
    CASE WHEN c.customer_type = 'individual' THEN 1 ELSE 0 END AS is_individual,
    CASE WHEN c.status = 'dormant' THEN 1 ELSE 0 END AS is_dormant,
    coalesce(ac.accounts_open, 0) AS accounts_open,
    coalesce(ac.accounts_closed, 0) AS accounts_closed,
    coalesce(ag.agreements, 0) AS agreements,
    coalesce(ag.agreements_cancelled_90, 0) AS agreements_cancelled_90,
    coalesce(cc.complaints_open, 0) AS complaints_open,
    coalesce(cc.complaints_90, 0) AS complaints_90,
    coalesce(k.service_contacts_60, 0) AS service_contacts_60,
    coalesce(k.contacts_60, 0) AS contacts_60,
    coalesce(:t - k.last_contact_di, :lookback) AS days_since_contact,
    coalesce(k.care_contacts_20, 0) AS care_contacts_20,
    -- calendar days; none since the first loaded date reads as "since then at least"
    date_diff('day', coalesce(g.last_contact_date, :first_day), :as_of) AS days_since_any_contact
FROM customers_t AS c
CROSS JOIN benchmark AS b
LEFT JOIN activity AS a ON a.customer_id = c.customer_id
LEFT JOIN account_counts AS ac ON ac.customer_id = c.customer_id
LEFT JOIN agreement_counts AS ag ON ag.customer_id = c.customer_id
LEFT JOIN complaint_counts AS cc ON cc.customer_id = c.customer_id
LEFT JOIN contact_counts AS k ON k.customer_id = c.customer_id
LEFT JOIN position_counts AS p ON p.customer_id = c.customer_id
LEFT JOIN contact_gap AS g ON g.customer_id = c.customer_id
WHERE c.open_date <= :as_of
    AND c.status <> 'closed'
    AND coalesce(ac.hard_closed, 0) = 0
ORDER BY c.customer_id
