-- metric_market: the market's turnover per period: every security's traded amount in the quotes
--   feed over the period's loaded days (one side; a market share divides by twice this).
-- grain: one row per period with quotes
-- columns: period, market_turnover (DECIMAL(38, 2), yuan)
SELECT p.period, CAST(sum(q.amount) AS DECIMAL(38, 2)) AS market_turnover
FROM metric_quotes AS q
JOIN metric_periods AS p ON q.biz_date >= p.start_day AND q.biz_date <= p.end_day
GROUP BY p.period
