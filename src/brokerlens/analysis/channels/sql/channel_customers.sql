-- channel_customers: each customer of the cohorts (opened on or after :cohort_from, the lake's
--   first loaded day, so their whole history is loaded) with the stages they reached by :as_of.
-- grain: one row per customer opened in [:cohort_from, :as_of] (as the customers feed says on
--   :as_of)
-- columns: customer_id, branch_id, open_channel, open_month, open_mon (year * 12 + month),
--   funded (1: a transfer in, or assets above 0, on some day), traded (1: a trade),
--   active_m3 / active_m12 (1: a trade in the 3rd / 12th calendar month after the opening
--   month), net_in (transfers in less out since opening, yuan)
-- Activity per month: `channel_activity` (channel_activity.sql).
WITH cohort AS (
    SELECT
        customer_id,
        branch_id,
        open_channel,
        open_date,
        CAST(year(open_date) * 12 + month(open_date) AS BIGINT) AS open_mon
    FROM channel_versions
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND open_date >= :cohort_from AND open_date <= :as_of
)
SELECT
    c.customer_id,
    c.branch_id,
    c.open_channel,
    CAST(date_trunc('month', c.open_date) AS DATE) AS open_month,
    c.open_mon,
    coalesce(max(p.funded), 0) AS funded,
    max(CASE WHEN p.trades > 0 THEN 1 ELSE 0 END) AS traded,
    max(CASE WHEN p.trades > 0 AND p.mon = c.open_mon + 3 THEN 1 ELSE 0 END) AS active_m3,
    max(CASE WHEN p.trades > 0 AND p.mon = c.open_mon + 12 THEN 1 ELSE 0 END) AS active_m12,
    CAST(coalesce(sum(p.net_in), 0) AS DECIMAL(38, 2)) AS net_in
FROM cohort AS c
LEFT JOIN channel_activity AS p ON p.customer_id = c.customer_id AND p.mon >= c.open_mon
GROUP BY c.customer_id, c.branch_id, c.open_channel, c.open_date, c.open_mon
