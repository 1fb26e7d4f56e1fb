-- indicators_risk: the composite risk characteristic (issue 5 section 4) - the regulatory class
-- of the customer's latest risk assessment as of T beside the behavioural risk preference level
-- of the newest stored quarterly model whose quarter ended on or before T.
-- The assessment: the latest by assess_date (then assessment_id) of those assessed on or before
-- :as_of, as delivered by then; it gives the class only while valid (expire_date >= :as_of),
-- as suitability's matching reads it. The lowest category (风险承受能力最低类别) is suitability's:
-- an answer its questionnaire version lists as a trigger (lowest_answer_triggers), or an age at
-- the assessment under the version's min_age (lowest_age_limits); it sits in C1, so it is the
-- regulatory class C1 whatever class was delivered.
-- riskpref_levels is one model's levels.parquet (the pipeline picks the file; none stored yet ->
-- an empty relation, so the level is NULL).
-- Ranks: class C1..C5 -> 1..5; level score 1 (最高) .. 5 (最低) -> rank 6 - score, 1 (最低) .. 5
-- (最高); the gap is behaviour rank - class rank (positive: behaviour more aggressive).
-- grain: one row per customer with a risk assessment or a behavioural level
-- columns: customer_id, regulatory_class, regulatory_class_rank, regulatory_lowest_category,
--   behaviour_level, behaviour_risk_rank, behaviour_level_gap
WITH latest AS (
    SELECT customer_id, assess_date, questionnaire_version, answers, risk_class FROM (
        SELECT customer_id, assess_date, questionnaire_version, answers, risk_class, expire_date,
            row_number() OVER (
                PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) AS n
        FROM risk_assessments_history
        WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
            AND assess_date <= :as_of
    ) AS ranked WHERE n = 1 AND expire_date >= :as_of
),
births AS (
    SELECT customer_id, birth_date
    FROM customers_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND birth_date IS NOT NULL
),
lowest AS (
    SELECT DISTINCT customer_id FROM (
        SELECT l.customer_id
        FROM latest AS l
        INNER JOIN lowest_answer_triggers AS t
            ON t.questionnaire_version = l.questionnaire_version
            AND json_extract_string(l.answers, t.answer_path) = t.option_id
        UNION ALL
        SELECT l.customer_id
        FROM latest AS l
        INNER JOIN lowest_age_limits AS g ON g.questionnaire_version = l.questionnaire_version
        INNER JOIN births AS b ON b.customer_id = l.customer_id
        WHERE year(l.assess_date) - year(b.birth_date)
            - CASE WHEN month(l.assess_date) * 100 + day(l.assess_date)
                < month(b.birth_date) * 100 + day(b.birth_date) THEN 1 ELSE 0 END < g.min_age
    ) AS triggered
),
assessed AS (
    SELECT
        l.customer_id,
        CASE WHEN w.customer_id IS NULL THEN l.risk_class ELSE 'C1' END AS risk_class,
        CASE WHEN w.customer_id IS NULL THEN 0 ELSE 1 END AS lowest
    FROM latest AS l
    LEFT JOIN lowest AS w ON w.customer_id = l.customer_id
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
        a.risk_class AS regulatory_class,
        CAST(substr(a.risk_class, 2, 1) AS INTEGER) AS class_rank,
        a.lowest,
        b.level,
        6 - b.score AS behaviour_rank
    FROM assessed AS a
    FULL OUTER JOIN behaviour AS b ON b.customer_id = a.customer_id
)
SELECT
    customer_id,
    regulatory_class,
    CAST(class_rank AS DOUBLE) AS regulatory_class_rank,
    CAST(lowest AS DOUBLE) AS regulatory_lowest_category,
    level AS behaviour_level,
    CAST(behaviour_rank AS DOUBLE) AS behaviour_risk_rank,
    CAST(behaviour_rank - class_rank AS DOUBLE) AS behaviour_level_gap
FROM ranked
