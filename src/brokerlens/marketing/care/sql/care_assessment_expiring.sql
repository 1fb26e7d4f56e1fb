-- care_assessment_expiring: customers whose latest risk assessment (by assess_date, then
-- assessment_id, of those assessed on or before :as_of as delivered by then) expires in
-- [:as_of, :until].
-- grain: one row per customer
-- columns: customer_id, occasion_date (the expiry), days_left, name, risk_class
-- reads: risk_assessments_history, care_customers
WITH latest AS (
    SELECT customer_id, expire_date, risk_class FROM (
        SELECT customer_id, expire_date, risk_class,
            row_number() OVER (
                PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) AS n
        FROM risk_assessments_history
        WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
            AND assess_date <= :as_of
    ) AS ranked WHERE n = 1
)
SELECT l.customer_id, l.expire_date AS occasion_date,
    date_diff('day', :as_of, l.expire_date) AS days_left, c.name, l.risk_class
FROM latest AS l
INNER JOIN care_customers AS c ON c.customer_id = l.customer_id
WHERE l.expire_date >= :as_of AND l.expire_date <= :until
