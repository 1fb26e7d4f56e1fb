-- points_awards: the points every earning rule in force on :as_of awards for that day's facts.
-- grain: one row per customer, rule and ref (ref: the month 'YYYY-MM' of a monthly_assets
--   award, the anniversary's year, the assessment id of a risk_assessment award; NULL for the
--   day's turnover, net commission and product purchases)
-- columns: entry_date, customer_id, branch_id (the customer's on :as_of), rule_id,
--   rule_version, ref, amount (yuan: the turnover, net commission, month's mean daily assets or
--   orders' sum; NULL where the rule counts no yuan), units, points (units x the rule's points,
--   at most its max_points), expires_on (the first day the points no longer count)
-- Reads: `points_rules` (the rules in force: kind, points, unit_cents, min_cents, within_days,
--   max_points, expires_on), `points_day` (customer_day files holding :as_of),
--   `points_product_trades` (product_trades of :as_of), `points_month_day` (customer_day files
--   of the month a monthly rule rewards; empty on other days) over :month_days loaded days,
--   `points_anniversary_days` (md = month x 100 + day, year: the calendar days since the last
--   loaded day), `points_assessments_today` / `points_assessments_before` (risk_assessments
--   delivered on / before :as_of) and `customers_history` (branch, status, open date).
-- Money is compared in integer cents: a unit is earned by each whole unit_cents.
WITH customers_t AS (
    SELECT customer_id, branch_id, status, open_date
    FROM customers_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND (open_date IS NULL OR open_date <= :as_of)
        AND coalesce(status, '') <> 'closed'
),
day_t AS (
    SELECT
        customer_id,
        trade_amount,
        net_commission,
        CAST(round(trade_amount * 100) AS BIGINT) AS turnover_cents,
        CAST(round(net_commission * 100) AS BIGINT) AS commission_cents
    FROM points_day
    WHERE biz_date = :as_of
),
orders_t AS (
    SELECT customer_id, amount, CAST(round(amount * 100) AS BIGINT) AS amount_cents
    FROM points_product_trades
    WHERE biz_date = :as_of AND action IN ('subscribe', 'purchase')
),
month_sums AS (
    SELECT customer_id, CAST(round(sum(total_assets) * 100) AS BIGINT) AS sum_cents
    FROM points_month_day
    GROUP BY customer_id
),
new_assessments AS (
    SELECT a.customer_id, a.assessment_id, a.assess_date
    FROM points_assessments_today AS a
    WHERE NOT EXISTS (
        SELECT 1 FROM points_assessments_before AS b WHERE b.assessment_id = a.assessment_id
    )
),
measures AS (
    SELECT r.rule_id, d.customer_id, CAST(NULL AS VARCHAR) AS ref,
        CAST(d.trade_amount AS DECIMAL(38, 2)) AS amount,
        d.turnover_cents // NULLIF(r.unit_cents, 0) AS units
    FROM day_t AS d
    JOIN points_rules AS r ON r.kind = 'turnover'
    WHERE d.turnover_cents >= r.unit_cents
    UNION ALL
    SELECT r.rule_id, d.customer_id, CAST(NULL AS VARCHAR),
        CAST(d.net_commission AS DECIMAL(38, 2)),
        d.commission_cents // NULLIF(r.unit_cents, 0)
    FROM day_t AS d
    JOIN points_rules AS r ON r.kind = 'net_commission'
    WHERE d.commission_cents >= r.unit_cents
    UNION ALL
    SELECT r.rule_id, o.customer_id, CAST(NULL AS VARCHAR),
        CAST(sum(o.amount) AS DECIMAL(38, 2)), count(*)
    FROM orders_t AS o
    JOIN points_rules AS r ON r.kind = 'product_purchase'
    WHERE o.amount_cents >= r.min_cents
    GROUP BY r.rule_id, o.customer_id
    UNION ALL
    SELECT r.rule_id, m.customer_id, :month_ref,
        CAST(round(m.sum_cents / NULLIF(:month_days, 0)) / 100 AS DECIMAL(38, 2)),
        CAST(1 AS BIGINT)
    FROM month_sums AS m
    JOIN points_rules AS r ON r.kind = 'monthly_assets'
    WHERE m.sum_cents >= r.min_cents * :month_days
    UNION ALL
    SELECT r.rule_id, c.customer_id, CAST(w.year AS VARCHAR),
        CAST(NULL AS DECIMAL(38, 2)), CAST(1 AS BIGINT)
    FROM customers_t AS c
    JOIN points_anniversary_days AS w
        ON w.md = month(c.open_date) * 100 + day(c.open_date) AND w.year > year(c.open_date)
    JOIN points_rules AS r ON r.kind = 'anniversary'
    UNION ALL
    SELECT r.rule_id, a.customer_id, a.assessment_id,
        CAST(NULL AS DECIMAL(38, 2)), CAST(1 AS BIGINT)
    FROM new_assessments AS a
    JOIN points_rules AS r ON r.kind = 'risk_assessment'
    WHERE a.assess_date <= :as_of AND date_diff('day', a.assess_date, :as_of) <= r.within_days
)
SELECT
    CAST(:as_of AS DATE) AS entry_date,
    m.customer_id,
    c.branch_id,
    m.rule_id,
    CAST(r.rule_version AS INTEGER) AS rule_version,
    m.ref,
    m.amount,
    CAST(m.units AS BIGINT) AS units,
    CAST(
        CASE WHEN r.max_points IS NOT NULL AND m.units * r.points > r.max_points
            THEN r.max_points ELSE m.units * r.points END
        AS BIGINT
    ) AS points,
    r.expires_on
FROM measures AS m
JOIN points_rules AS r ON r.rule_id = m.rule_id
JOIN customers_t AS c ON c.customer_id = m.customer_id
WHERE m.units > 0
ORDER BY m.customer_id, m.rule_id, m.ref
