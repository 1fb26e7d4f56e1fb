-- cb_sample_base: the annual sample's base: the customers on the prior year-end (:year_end),
-- each in its stratum (branch on the year-end x tier on T), dormant accounts excepted
-- grain: one row per customer of the base
-- columns: customer_id, branch_id (the year-end's), tier (cb_tiers' on T; '-' when none)
-- reads: customers_history, cb_tiers (customer_id, tier: the profile of T's `tier_from`),
--   cb_dormant (customer_id: the activation step's dormant kind of T)
-- A customer's version valid on the year-end, per the lake's history; where the lake starts
-- after the year-end, the first version delivered stands for it (the earliest the lake knows).
-- Open on the year-end: opened by then, and closed after it (or not closed at all).
-- Dormant when :exclude_dormant: the source system's status dormant on the year-end, or the
-- activation step's dormant kind on T.
WITH ranked AS (
    -- the latest version delivered by the year-end (the one valid on it), else the first
    -- (one window, no valid_to: the history's own window is left unread)
    SELECT customer_id, branch_id, status, close_date,
        row_number() OVER (
            PARTITION BY customer_id
            ORDER BY CASE WHEN valid_from <= :year_end THEN 0 ELSE 1 END,
                CASE WHEN valid_from <= :year_end THEN valid_from END DESC,
                valid_from
        ) AS pick
    FROM customers_history
    WHERE open_date <= :year_end
),
at_year_end AS (
    SELECT customer_id, branch_id, status, close_date FROM ranked WHERE pick = 1
),
dormant AS (
    SELECT DISTINCT customer_id FROM cb_dormant
)
SELECT y.customer_id, y.branch_id, coalesce(t.tier, '-') AS tier
FROM at_year_end y
LEFT JOIN cb_tiers t ON t.customer_id = y.customer_id
LEFT JOIN dormant d ON d.customer_id = y.customer_id
WHERE CASE WHEN y.close_date IS NOT NULL THEN y.close_date > :year_end
        ELSE y.status <> 'closed' END
    AND NOT (:exclude_dormant AND (y.status = 'dormant' OR d.customer_id IS NOT NULL))
