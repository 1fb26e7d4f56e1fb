-- holdings_above_class: the holdings above what the holder's class allows (or held without an
--   assessment), graded, one row per holder and item, in the report's order
-- grain: customer_id, kind, item_id
-- columns: branch_id, customer_id, risk_class, unassessed, lowest, expired, expire_date,
--   allowed, kind, item_id, name, grade, market_value, reason (the page's words for the row)
-- The sources are relations of the caller's (`suitability.report`): held_positions and
--   held_products (the positions and product holdings of the latest date at or before T),
--   holder_facts (customer_id, branch_id, investor_class, assessment_id, risk_class,
--   expire_date, lowest_category: the kept facts or facts computed in Python), grade_types
--   (item_type, grade), grade_ranks (grade, rank) and grade_allowed (risk_class, grade) from
--   the rules.
WITH held AS (
    SELECT p.customer_id, 'security' AS kind, p.security_id AS item_id, s.name,
           s.security_type AS item_type, CAST(NULL AS VARCHAR) AS grade, p.market_value
    FROM held_positions p LEFT JOIN securities s ON s.security_id = p.security_id
    WHERE p.market_value > 0
    UNION ALL
    SELECT h.customer_id, 'product' AS kind, h.product_id AS item_id, pr.name,
           pr.product_type AS item_type, pr.risk_level AS grade, h.market_value
    FROM held_products h LEFT JOIN products pr ON pr.product_id = h.product_id
    WHERE h.market_value > 0
),
graded AS (
    SELECT h.*, coalesce(h.grade, t.grade) AS held_grade
    FROM held h LEFT JOIN grade_types t ON h.grade IS NULL AND t.item_type = h.item_type
),
judged AS (
    SELECT f.branch_id, g.customer_id, f.risk_class, f.assessment_id IS NULL AS unassessed,
           coalesce(f.lowest_category, false) AS lowest,
           f.expire_date IS NOT NULL AND f.expire_date < :as_of AS expired, f.expire_date,
           CASE WHEN f.assessment_id IS NULL THEN NULL
                WHEN f.lowest_category THEN :lowest_max ELSE a.grade END AS allowed,
           g.kind, g.item_id, coalesce(g.name, g.item_id) AS name, g.held_grade AS grade,
           coalesce(g.market_value, 0) AS market_value
    FROM graded g
    JOIN holder_facts f ON f.customer_id = g.customer_id
    LEFT JOIN grade_allowed a ON a.risk_class = f.risk_class
    WHERE g.held_grade IS NOT NULL AND f.investor_class IS DISTINCT FROM 'professional'
)
SELECT j.*,
       CASE WHEN j.unassessed THEN '无风险测评, 持有 ' || j.grade
            WHEN j.lowest THEN coalesce(j.risk_class, '') || ' 最低类别, 只可 '
                 || coalesce(j.allowed, '') || ', 持有 ' || j.grade
            ELSE coalesce(j.risk_class, '') || ' 可匹配至 ' || coalesce(j.allowed, '')
                 || ', 持有 ' || j.grade END
       || CASE WHEN NOT j.unassessed AND j.expired
               THEN ' (测评已于 ' || CAST(j.expire_date AS STRING) || ' 过期)' ELSE '' END
       AS reason
FROM judged j
LEFT JOIN grade_ranks rh ON rh.grade = j.grade
LEFT JOIN grade_ranks ra ON ra.grade = j.allowed
WHERE j.unassessed OR rh.rank > ra.rank
ORDER BY j.branch_id NULLS FIRST, j.customer_id, j.kind, j.item_id
