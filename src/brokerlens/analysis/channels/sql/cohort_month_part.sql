-- cohort_month_part: the cohorts' activity in one customer_month file (`channel_month_src`),
--   the customers opened on or after :cohort_from (`channel_openers`) only.
-- grain: one row per customer with a customer_month row
-- columns: customer_id, mon (year * 12 + month), trades, funded (1: a transfer in or assets
--   above 0 on some day), net_in (transfers in less out, yuan)
SELECT
    m.customer_id,
    CAST(year(m.month_start) * 12 + month(m.month_start) AS BIGINT) AS mon,
    CAST(m.trade_count AS BIGINT) AS trades,
    CASE WHEN m.transfer_in > 0 OR m.sum_assets > 0 THEN 1 ELSE 0 END AS funded,
    CAST(m.transfer_in - m.transfer_out AS DECIMAL(38, 2)) AS net_in
FROM channel_month_src AS m
JOIN channel_openers AS o ON o.customer_id = m.customer_id
