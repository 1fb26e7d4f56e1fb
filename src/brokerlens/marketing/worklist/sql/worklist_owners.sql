-- worklist_owners: every customer on the books at :as_of with the broker who owns their work
-- grain: one row per customer (customers without an active relationship: staff_id null)
-- columns: customer_id, name, branch_id (the customer's), staff_id (the owner), budget_branch
--   (the owner's branch: their unit, or its parent when the unit is a team), birth_date,
--   open_date
-- reads: customers_history, relationships_history, staff_history, org_units_history
-- The owner rule (docs/worklist.md): an active relationship on T (start_date <= T, end_date null
-- or after T, in the relationships version valid on T), servicer before developer before
-- advisor, then the earliest start_date, then the smallest staff_id.
WITH cust AS (
    SELECT customer_id, name, branch_id, birth_date, open_date
    FROM customers_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND (open_date IS NULL OR open_date <= :as_of)
        AND status <> 'closed'
),
active AS (
    SELECT customer_id, staff_id,
        row_number() OVER (
            PARTITION BY customer_id
            ORDER BY CASE role WHEN 'servicer' THEN 1 WHEN 'developer' THEN 2 ELSE 3 END,
                start_date, staff_id
        ) AS pick
    FROM relationships_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND start_date <= :as_of AND (end_date IS NULL OR end_date > :as_of)
        AND role IN ('servicer', 'developer', 'advisor')
),
units AS (
    SELECT unit_id, parent_id, unit_type
    FROM org_units_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
staff_branch AS (
    SELECT s.staff_id,
        CASE WHEN u.unit_type = 'team' THEN u.parent_id ELSE s.unit_id END AS branch_id
    FROM staff_history s
    LEFT JOIN units u ON u.unit_id = s.unit_id
    WHERE s.valid_from <= :as_of AND (s.valid_to IS NULL OR s.valid_to > :as_of)
)
SELECT c.customer_id, c.name, c.branch_id, a.staff_id,
    coalesce(b.branch_id, c.branch_id) AS budget_branch,
    c.birth_date, c.open_date
FROM cust c
LEFT JOIN active a ON a.customer_id = c.customer_id AND a.pick = 1
LEFT JOIN staff_branch b ON b.staff_id = a.staff_id
