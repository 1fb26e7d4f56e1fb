-- relationship_ledger: the relationships feed as delivered up to :as_of, one row per
--   relationship (customer, staff, role, valid_from), effective-dated.
-- grain: customer_id, staff_id, role, valid_from
-- columns: customer_id, staff_id, role, share_pct (0..100, DECIMAL(5,2)), valid_from (the
--   relationship's start_date), valid_to (its end_date, exclusive; NULL while it holds),
--   source ('feed')
SELECT
    customer_id,
    staff_id,
    role,
    CAST(share_pct AS DECIMAL(5, 2)) AS share_pct,
    start_date AS valid_from,
    end_date AS valid_to,
    'feed' AS source
FROM relationships_history
WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
