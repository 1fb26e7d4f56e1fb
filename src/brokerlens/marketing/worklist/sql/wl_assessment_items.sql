-- wl_assessment_items: customers whose latest risk assessment (as delivered by :as_of) expires
-- within the next :days_ahead days
-- grain: one row per customer (kind assessment_expiring; days: days to the expiry)
-- columns (every candidate file): customer_id, staff_id (null: the owner gets it), kind,
--   urgency (0..1), label, label_en (a name the reason quotes), amount, share, days (figures the
--   reason quotes), text_zh, text_en (ready words the reason quotes)
-- reads: risk_assessments_history
WITH latest AS (
    SELECT customer_id, expire_date,
        row_number() OVER (
            PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC
        ) AS pick
    FROM risk_assessments_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND assess_date <= :as_of
)
SELECT customer_id, CAST(NULL AS VARCHAR) AS staff_id, 'assessment_expiring' AS kind,
    CAST(:urgency AS DOUBLE) AS urgency,
    CAST(NULL AS VARCHAR) AS label, CAST(NULL AS VARCHAR) AS label_en,
    CAST(NULL AS DOUBLE) AS amount, CAST(NULL AS DOUBLE) AS share,
    CAST(date_diff('day', :as_of, expire_date) AS BIGINT) AS days,
    CAST(NULL AS VARCHAR) AS text_zh, CAST(NULL AS VARCHAR) AS text_en
FROM latest
WHERE pick = 1 AND expire_date >= :as_of AND expire_date <= :until
