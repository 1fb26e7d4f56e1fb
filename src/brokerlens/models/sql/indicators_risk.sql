-- indicators_risk: the composite risk characteristic (issue 5 section 4) - the regulatory class
-- of the customer's latest risk assessment as of T beside the behavioural risk preference level
-- of the newest stored quarterly model whose quarter ended on or before T.
-- The assessment: the latest by assess_date (then assessment_id) of those assessed on or before
-- :as_of, as delivered by then; it gives the class only while valid (expire_date >= :as_of),
-- as suitability's matching reads it. riskpref_levels is that one model's levels.parquet (the
-- pipeline picks the file; none stored yet -> an empty relation, so the level is NULL).
-- Ranks: class C1..C5 -> 1..5; level score 1 (最高) .. 5 (最低) -> rank 6 - score, 1 (最低) .. 5
-- (最高); the gap is behaviour rank - class rank (positive: behaviour more aggressive).
-- grain: one row per customer with a risk assessment or a behavioural level
-- columns: customer_id, risk_class, risk_class_rank, behaviour_level, behaviour_risk_rank,
--   behaviour_level_gap
WITH latest AS (
    SELECT customer_id, risk_class, expire_date FROM (
        SELECT customer_id, risk_class, expire_date, row_number() OVER (
            PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) AS n
        FROM risk_assessments_history
        WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
            AND assess_date <= :as_of
    ) AS ranked WHERE n = 1
),
assessed AS (
    SELECT
        customer_id,
        CASE WHEN expire_date >= :as_of THEN risk_class END AS risk_class
    FROM latest
),
behaviour AS (
    SELECT customer_id, max(level) AS level, max(score) AS score
    FROM riskpref_levels
    WHERE score BETWEEN 1 AND 5
    GROUP BY customer_id
),
ranked AS (
    SELECT
        coalesce(a.customer_id, b.customer_id) AS customer_id,
        a.risk_class,
        CAST(substr(a.risk_class, 2, 1) AS INTEGER) AS class_rank,
        b.level,
        6 - b.score AS behaviour_rank
    FROM assessed AS a
    FULL OUTER JOIN behaviour AS b ON b.customer_id = a.customer_id
)
SELECT
    customer_id,
    risk_class,
    CAST(class_rank AS DOUBLE) AS risk_class_rank,
    level AS behaviour_level,
    CAST(behaviour_rank AS DOUBLE) AS behaviour_risk_rank,
    CAST(behaviour_rank - class_rank AS DOUBLE) AS behaviour_level_gap
FROM ranked
