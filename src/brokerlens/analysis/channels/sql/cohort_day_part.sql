-- cohort_day_part: the cohorts' activity in one customer_day file (`channel_day_src`): the
--   customers opened on or after :cohort_from (`channel_openers`) only, so a run reads the
--   small part, not the whole file, again.
-- grain: one row per customer and biz_date with a customer_day row
-- columns: customer_id, biz_date, trades, funded (1: a transfer in or assets above 0),
--   net_in (transfers in less out, yuan)
SELECT
    d.customer_id,
    d.biz_date,
    CAST(d.trade_count AS BIGINT) AS trades,
    CASE WHEN d.transfer_in > 0 OR d.total_assets > 0 THEN 1 ELSE 0 END AS funded,
    CAST(d.transfer_in - d.transfer_out AS DECIMAL(38, 2)) AS net_in
FROM channel_day_src AS d
JOIN channel_openers AS o ON o.customer_id = d.customer_id
