-- metric_base: what every customer metric sums, one row per period and customer with an account
--   in the period (opened by its end, not closed before its start), cut by the org units of T
--   (metric_units) and the customer's tier of T, open channel, type and age band at its end.
-- grain: one row per period and customer (metric_customers: the customers feed's versions,
--   read once for every period)
-- columns: period, hq_id, region_id, branch_id, team_id, staff_id, tier, channel, customer_type,
--   age_band, customers, new_accounts, effective_new, funded_new, closed, closed_assets, dormant,
--   total_assets, transfer_in, transfer_out, net_inflow, turnover, trades, traded,
--   net_commission (money DECIMAL(18, 2), flags and counts BIGINT)
WITH people AS (
    SELECT
        p.period,
        p.start_day,
        p.end_day,
        p.stock_day,
        c.customer_id,
        c.branch_id,
        c.open_channel,
        c.customer_type,
        c.birth_date,
        c.open_date,
        c.close_date,
        c.status
    FROM metric_periods AS p
    JOIN metric_customers AS c
        ON c.valid_from <= p.stock_day AND (c.valid_to IS NULL OR c.valid_to > p.stock_day)
    WHERE c.open_date <= p.end_day AND (c.close_date IS NULL OR c.close_date >= p.start_day)
),
stock AS (
    SELECT p.period, d.customer_id, d.total_assets
    FROM metric_day AS d
    JOIN metric_periods AS p ON d.biz_date = p.stock_day
),
flagged AS (
    SELECT
        x.period,
        x.customer_id,
        x.branch_id,
        x.open_channel,
        x.customer_type,
        CASE
            WHEN x.customer_type = 'individual' AND x.birth_date IS NOT NULL
                THEN CAST(floor(date_diff('day', x.birth_date, x.stock_day) / 365.25) AS BIGINT)
        END AS age,
        CASE WHEN x.close_date IS NULL OR x.close_date > x.stock_day THEN 1 ELSE 0 END AS is_open,
        CASE WHEN x.open_date >= x.start_day THEN 1 ELSE 0 END AS is_new,
        CASE WHEN x.close_date IS NOT NULL AND x.close_date <= x.end_day THEN 1 ELSE 0 END
            AS is_closed,
        x.status,
        CAST(coalesce(s.total_assets, 0) AS DECIMAL(18, 2)) AS total_assets,
        CAST(coalesce(f.transfer_in, 0) AS DECIMAL(18, 2)) AS transfer_in,
        CAST(coalesce(f.transfer_out, 0) AS DECIMAL(18, 2)) AS transfer_out,
        CAST(coalesce(f.trade_amount, 0) AS DECIMAL(18, 2)) AS turnover,
        CAST(coalesce(f.trade_count, 0) AS BIGINT) AS trades,
        CAST(coalesce(f.net_commission, 0) AS DECIMAL(18, 2)) AS net_commission,
        CAST(coalesce(f.sum_assets / nullif(f.asset_days, 0), 0) AS DECIMAL(18, 2)) AS mean_assets
    FROM people AS x
    LEFT JOIN stock AS s ON s.period = x.period AND s.customer_id = x.customer_id
    LEFT JOIN metric_flows AS f ON f.period = x.period AND f.customer_id = x.customer_id
)
SELECT
    b.period,
    coalesce(o.hq_id, '') AS hq_id,
    coalesce(o.region_id, '') AS region_id,
    coalesce(b.branch_id, '') AS branch_id,
    coalesce(u.team_id, '') AS team_id,
    coalesce(u.staff_id, '') AS staff_id,
    coalesce(t.tier, '') AS tier,
    coalesce(b.open_channel, '') AS channel,
    coalesce(b.customer_type, '') AS customer_type,
    CASE
        WHEN b.age IS NULL THEN ''
        WHEN b.age < 30 THEN '<30'
        WHEN b.age < 40 THEN '30-39'
        WHEN b.age < 50 THEN '40-49'
        WHEN b.age < 60 THEN '50-59'
        ELSE '60+'
    END AS age_band,
    CAST(b.is_open AS BIGINT) AS customers,
    CAST(b.is_new AS BIGINT) AS new_accounts,
    CAST(CASE WHEN b.is_new = 1 AND b.transfer_in >= 10000 THEN 1 ELSE 0 END AS BIGINT)
        AS effective_new,
    CAST(CASE WHEN b.is_new = 1 AND b.transfer_in > 0 THEN 1 ELSE 0 END AS BIGINT) AS funded_new,
    CAST(b.is_closed AS BIGINT) AS closed,
    CASE WHEN b.is_closed = 1 THEN b.mean_assets ELSE CAST(0 AS DECIMAL(18, 2)) END
        AS closed_assets,
    CAST(CASE WHEN b.is_open = 1 AND b.status = 'dormant' THEN 1 ELSE 0 END AS BIGINT) AS dormant,
    b.total_assets,
    b.transfer_in,
    b.transfer_out,
    b.transfer_in - b.transfer_out AS net_inflow,
    b.turnover,
    b.trades,
    CAST(CASE WHEN b.is_open = 1 AND b.trades > 0 THEN 1 ELSE 0 END AS BIGINT) AS traded,
    b.net_commission
FROM flagged AS b
LEFT JOIN metric_orgs AS o ON o.branch_id = b.branch_id
LEFT JOIN metric_units AS u ON u.customer_id = b.customer_id
LEFT JOIN metric_tiers AS t ON t.customer_id = b.customer_id
