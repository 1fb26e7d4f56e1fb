-- ledger_problems: the spans on which a customer's shares in one role do not add up to 100%.
-- grain: customer_id, role, from_date (a date on which a relationship of the role starts or
--   ends); the span runs to the next such date (to_date, exclusive; NULL: still open)
-- columns: customer_id, role, from_date, to_date, share_total, holders (relationships in force)
-- Reads the ledger file of :as_of (`ledger`); a span with no relationship in force is not a
-- problem (the customer has nobody in that role: statements book it to no one).
WITH points AS (
    SELECT customer_id, role, valid_from AS day FROM ledger
    UNION
    SELECT customer_id, role, valid_to AS day FROM ledger WHERE valid_to IS NOT NULL
),
spans AS (
    SELECT
        customer_id,
        role,
        day AS from_date,
        lead(day) OVER (PARTITION BY customer_id, role ORDER BY day) AS to_date
    FROM points
),
held AS (
    SELECT
        s.customer_id,
        s.role,
        s.from_date,
        s.to_date,
        sum(l.share_pct) AS share_total,
        count(*) AS holders
    FROM spans AS s
    JOIN ledger AS l
        ON l.customer_id = s.customer_id
        AND l.role = s.role
        AND l.valid_from <= s.from_date
        AND (l.valid_to IS NULL OR l.valid_to > s.from_date)
    WHERE s.from_date <= :as_of
    GROUP BY s.customer_id, s.role, s.from_date, s.to_date
)
SELECT customer_id, role, from_date, to_date, share_total, holders
FROM held
WHERE share_total <> 100
