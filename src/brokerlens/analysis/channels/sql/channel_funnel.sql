-- channel_funnel: the 3A3R funnel as of :as_of per branch, open channel and opening month.
-- grain: one row per branch_id, open_channel, open_month with a customer opened in the cohorts
-- columns: branch_id, open_channel, open_month, opened, funded, traded, due_3m, active_3m,
--   due_12m, active_12m, net_inflow_cents
-- Each stage counts customers who reached it and every stage before it (funded, then traded,
-- then active in month 3, then still active in month 12), so the counts never increase along
-- the funnel. A time stage counts only customers it is due for: month open+3 (open+12) ended
-- on or before :as_of, i.e. open_mon + 3 <= :done_mon (due_3m, due_12m say how many); one
-- opened since is not yet due, never lost.
SELECT
    branch_id,
    open_channel,
    open_month,
    count(*) AS opened,
    count(*) FILTER (WHERE funded = 1) AS funded,
    count(*) FILTER (WHERE funded = 1 AND traded = 1) AS traded,
    count(*) FILTER (WHERE open_mon + 3 <= :done_mon) AS due_3m,
    count(*) FILTER (
        WHERE funded = 1 AND traded = 1 AND active_m3 = 1 AND open_mon + 3 <= :done_mon
    ) AS active_3m,
    count(*) FILTER (WHERE open_mon + 12 <= :done_mon) AS due_12m,
    count(*) FILTER (
        WHERE funded = 1 AND traded = 1 AND active_m3 = 1 AND active_m12 = 1
            AND open_mon + 12 <= :done_mon
    ) AS active_12m,
    CAST(round(sum(net_in) * 100) AS BIGINT) AS net_inflow_cents
FROM channel_customers
GROUP BY branch_id, open_channel, open_month
ORDER BY branch_id, open_channel, open_month
