-- kpi_values: every staff member's value of every built-in metric for the month.
-- grain: staff_id, metric (kpi_staff x kpi_metric_list); a team lead's values are their team's
--   (kpi_credit)
-- columns: month, as_of_date, staff_id, position, unit_id, branch_id, region_id, metric,
--   value (sum: sum(credited); rate: sum(credited) / sum(weight), NULL with no weight),
--   customers (rows behind it in the detail file)
WITH agg AS (
    SELECT
        c.scored_id AS staff_id,
        d.metric,
        sum(d.weight) AS weight,
        sum(d.credited) AS credited,
        count(*) AS customers
    FROM kpi_detail AS d
    JOIN kpi_credit AS c ON c.staff_id = d.staff_id
    GROUP BY c.scored_id, d.metric
)
SELECT
    CAST(:month_start AS DATE) AS month,
    CAST(:period_end AS DATE) AS as_of_date,
    s.staff_id,
    s.position,
    s.unit_id,
    s.branch_id,
    s.region_id,
    m.metric,
    CAST(
        CASE
            WHEN m.kind = 'rate' THEN
                CASE WHEN a.weight > 0 THEN CAST(a.credited AS DOUBLE) / CAST(a.weight AS DOUBLE) END
            ELSE coalesce(a.credited, 0)
        END AS DECIMAL(38, 6)
    ) AS value,
    coalesce(a.customers, 0) AS customers
FROM kpi_staff AS s
CROSS JOIN kpi_metric_list AS m
LEFT JOIN agg AS a ON a.staff_id = s.staff_id AND a.metric = m.metric
ORDER BY s.staff_id, m.metric
