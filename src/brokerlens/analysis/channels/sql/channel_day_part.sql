-- channel_day_part: business per branch and day of one customer_day file (the relation
--   `channel_day_src`), the customer's branch that day (its customers-feed version valid then;
--   'unknown' when none was).
-- grain: one row per biz_date and branch_id with any trade or commission that day
-- columns: biz_date, branch_id, turnover (yuan), trades, net_commission (yuan)
SELECT
    d.biz_date,
    coalesce(v.branch_id, 'unknown') AS branch_id,
    CAST(sum(d.trade_amount) AS DECIMAL(38, 2)) AS turnover,
    CAST(sum(d.trade_count) AS BIGINT) AS trades,
    CAST(sum(d.net_commission) AS DECIMAL(38, 2)) AS net_commission
FROM channel_day_src AS d
LEFT JOIN channel_versions AS v
    ON v.customer_id = d.customer_id
    AND v.valid_from <= d.biz_date
    AND (v.valid_to IS NULL OR v.valid_to > d.biz_date)
WHERE d.trade_count > 0 OR d.net_commission <> 0
GROUP BY d.biz_date, coalesce(v.branch_id, 'unknown')
