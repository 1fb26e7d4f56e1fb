-- metric_trend: each loaded day's business of one month per branch, team and staff member (the
--   org units of T: the customers feed's branch, the servicer of T and their team), summed again
--   for regions and the brokerage by the reader.
-- grain: one row per business date, level (branch, team, staff) and unit
-- columns: biz_date, level, unit_id, customers (with a row that day), traded (customers who
--   traded), trades, total_assets, turnover, net_commission, net_inflow (DECIMAL(38, 2), yuan)
WITH tagged AS (
    SELECT
        d.biz_date,
        coalesce(b.branch_id, '') AS branch_id,
        coalesce(u.team_id, '') AS team_id,
        coalesce(u.staff_id, '') AS staff_id,
        CAST(d.total_assets AS DECIMAL(38, 2)) AS total_assets,
        CAST(d.trade_amount AS DECIMAL(38, 2)) AS turnover,
        d.trade_count,
        CAST(d.net_commission AS DECIMAL(38, 2)) AS net_commission,
        CAST(d.transfer_in - d.transfer_out AS DECIMAL(38, 2)) AS net_inflow
    FROM trend_day AS d
    LEFT JOIN metric_branches AS b ON b.customer_id = d.customer_id
    LEFT JOIN metric_units AS u ON u.customer_id = d.customer_id
    WHERE d.biz_date >= :month_start AND d.biz_date < :month_end
),
summed AS (
    SELECT
        biz_date,
        branch_id,
        team_id,
        staff_id,
        GROUPING(team_id) AS g_team,
        GROUPING(staff_id) AS g_staff,
        count(*) AS customers,
        sum(CASE WHEN trade_count > 0 THEN 1 ELSE 0 END) AS traded,
        sum(trade_count) AS trades,
        sum(total_assets) AS total_assets,
        sum(turnover) AS turnover,
        sum(net_commission) AS net_commission,
        sum(net_inflow) AS net_inflow
    FROM tagged
    GROUP BY GROUPING SETS ((biz_date, branch_id), (biz_date, team_id), (biz_date, staff_id))
)
SELECT
    biz_date,
    CASE WHEN g_staff = 0 THEN 'staff' WHEN g_team = 0 THEN 'team' ELSE 'branch' END AS level,
    CASE WHEN g_staff = 0 THEN staff_id WHEN g_team = 0 THEN team_id ELSE branch_id END AS unit_id,
    CAST(customers AS BIGINT) AS customers,
    CAST(traded AS BIGINT) AS traded,
    CAST(trades AS BIGINT) AS trades,
    CAST(total_assets AS DECIMAL(38, 2)) AS total_assets,
    CAST(turnover AS DECIMAL(38, 2)) AS turnover,
    CAST(net_commission AS DECIMAL(38, 2)) AS net_commission,
    CAST(net_inflow AS DECIMAL(38, 2)) AS net_inflow
FROM summed
WHERE (CASE WHEN g_staff = 0 THEN staff_id WHEN g_team = 0 THEN team_id ELSE branch_id END) <> ''
ORDER BY biz_date, level, unit_id
