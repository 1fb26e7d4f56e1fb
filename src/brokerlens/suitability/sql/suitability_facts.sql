-- suitability_facts: every customer's suitability facts as of :as_of, one row per customer
-- grain: customer_id
-- columns: the customer, their latest risk assessment delivered by T, total assets on T, the
--   sum over the last 20 trading days (n_days of them on or after the account's opening), the
--   first trade (not an IPO application) or holding seen, margin accounts and live service
--   agreements, the lake's first date (history_start) and whether the answers place the
--   investor in the lowest category.
-- The sources differ by caller and are relations of their own (`suitability.facts_sql`):
--   facts_customers (the customers wanted), facts_days (the 20 trading days up to T) and
--   facts_activity (customer_id, biz_date, total_assets, active: traded or held that day) come
--   from the warehouse's customer_day for `brokerlens run`, from the lake's daily_assets and
--   trades for a date never run.
WITH assess AS (
    SELECT * FROM risk_assessments
    WHERE assess_date <= :as_of AND customer_id IN (SELECT customer_id FROM facts_customers)
    QUALIFY row_number() OVER (
        PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) = 1
),
sums AS (
    SELECT customer_id,
           sum(total_assets) AS sum_20d,
           sum(CASE WHEN biz_date = :as_of THEN total_assets END) AS total_assets
    FROM facts_activity
    WHERE biz_date IN (SELECT biz_date FROM facts_days)
    GROUP BY customer_id
),
seen AS (
    SELECT customer_id, min(biz_date) AS first_seen FROM facts_activity
    WHERE biz_date <= :as_of AND active
    GROUP BY customer_id
),
days_open AS (
    SELECT c.customer_id, count(d.biz_date) AS n_days
    FROM facts_customers c
    LEFT JOIN facts_days d ON c.open_date IS NULL OR d.biz_date >= c.open_date
    GROUP BY c.customer_id
),
margin AS (
    SELECT customer_id FROM accounts
    WHERE account_type = 'margin' AND (open_date IS NULL OR open_date <= :as_of)
    UNION
    SELECT customer_id FROM service_agreements
    WHERE service IN ('margin', 'option') AND sign_date <= :as_of
),
lowest AS (
    SELECT a.customer_id FROM assess a
    JOIN lowest_answer_triggers t ON t.questionnaire_version = a.questionnaire_version
        AND json_extract_string(CAST(a.answers AS VARCHAR), t.answer_path) = t.option_id
    UNION
    SELECT a.customer_id FROM assess a
    JOIN lowest_age_limits g ON g.questionnaire_version = a.questionnaire_version
    JOIN facts_customers b ON b.customer_id = a.customer_id
    WHERE year(a.assess_date) - year(b.birth_date)
        - CASE WHEN month(a.assess_date) * 100 + day(a.assess_date)
            < month(b.birth_date) * 100 + day(b.birth_date) THEN 1 ELSE 0 END < g.min_age
),
services AS (
    SELECT customer_id, list_sort(list(DISTINCT service)) AS services
    FROM service_agreements
    WHERE sign_date <= :as_of AND (cancel_date IS NULL OR cancel_date > :as_of)
      AND customer_id IN (SELECT customer_id FROM facts_customers)
    GROUP BY customer_id
)
SELECT c.customer_id, c.name, c.customer_type, c.branch_id, c.birth_date, c.open_date,
       c.investor_class,
       a.assessment_id, a.questionnaire_version, a.assess_date, a.score, a.risk_class,
       a.horizon, CAST(a.varieties AS VARCHAR) AS varieties, a.expire_date,
       CAST(a.answers AS VARCHAR) AS answers,
       s.total_assets, s.sum_20d,
       n.n_days,
       seen.first_seen,
       m.customer_id IS NOT NULL AS margin_or_futures,
       sv.services,
       CAST(:history_start AS DATE) AS history_start,
       w.customer_id IS NOT NULL AS lowest_category
FROM facts_customers c
LEFT JOIN assess a ON a.customer_id = c.customer_id
LEFT JOIN sums s ON s.customer_id = c.customer_id
LEFT JOIN seen ON seen.customer_id = c.customer_id
LEFT JOIN days_open n ON n.customer_id = c.customer_id
LEFT JOIN margin m ON m.customer_id = c.customer_id
LEFT JOIN services sv ON sv.customer_id = c.customer_id
LEFT JOIN lowest w ON w.customer_id = c.customer_id
ORDER BY c.customer_id
