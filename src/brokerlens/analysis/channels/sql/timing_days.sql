-- timing_days: business per branch and day over [:since, :as_of]: the day parts
--   (`channel_day_parts`, channel_day_part.sql) and the accounts opened that day (the branch
--   and open date the customers feed says on :as_of).
-- grain: one row per biz_date and branch_id with business or a new account
-- columns: biz_date, branch_id, turnover_cents, trades, net_commission_cents, new_accounts
WITH business AS (
    SELECT
        biz_date,
        branch_id,
        turnover,
        trades,
        net_commission,
        CAST(0 AS BIGINT) AS new_accounts
    FROM channel_day_parts
    WHERE biz_date >= :since AND biz_date <= :as_of
    UNION ALL
    SELECT
        open_date AS biz_date,
        branch_id,
        CAST(0 AS DECIMAL(38, 2)) AS turnover,
        CAST(0 AS BIGINT) AS trades,
        CAST(0 AS DECIMAL(38, 2)) AS net_commission,
        CAST(1 AS BIGINT) AS new_accounts
    FROM channel_versions
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND open_date >= :since AND open_date <= :as_of
)
SELECT
    biz_date,
    branch_id,
    CAST(round(sum(turnover) * 100) AS BIGINT) AS turnover_cents,
    CAST(sum(trades) AS BIGINT) AS trades,
    CAST(round(sum(net_commission) * 100) AS BIGINT) AS net_commission_cents,
    CAST(sum(new_accounts) AS BIGINT) AS new_accounts
FROM business
GROUP BY biz_date, branch_id
ORDER BY biz_date, branch_id
