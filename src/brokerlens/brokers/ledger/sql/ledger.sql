-- relationship_ledger: the relationships feed as delivered up to :as_of, one row per
--   relationship (customer, staff, role, valid_from), effective-dated, with the handovers
--   applied in brokerlens that the feed has not caught up with (`handover_items`: the store's
--   overlaid items, read by the step).
-- grain: customer_id, staff_id, role, valid_from
-- columns: customer_id, staff_id, role, share_pct (0..100, DECIMAL(5,2)), valid_from (the
--   relationship's start_date), valid_to (its end_date, exclusive; NULL while it holds),
--   source ('feed', or 'handover' for a row a handover started, ended or merged into)
-- A handover is caught up once the feed shows the receiver in the role from its date on; a
-- handover whose giver row the feed no longer has changes nothing but the receiver's row; a
-- giver row starting on the handover's date is dropped (the store deletes it).
WITH feed AS (
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
),
items AS (
    SELECT i.*
    FROM handover_items AS i
    WHERE NOT EXISTS (
        SELECT 1 FROM feed AS f
        WHERE f.customer_id = i.customer_id
          AND f.staff_id = i.receiver_id
          AND f.role = i.role
          AND f.valid_from >= i.effective_date
    )
),
added AS (
    SELECT
        customer_id,
        receiver_id AS staff_id,
        role,
        CAST(share_pct + coalesce(receiver_share, 0) AS DECIMAL(5, 2)) AS share_pct,
        effective_date AS valid_from,
        giver_end AS valid_to,
        'handover' AS source
    FROM items
    WHERE inserted
),
all_rows AS (
    SELECT * FROM feed
    UNION ALL
    SELECT * FROM added
),
ends AS (
    SELECT customer_id, staff_id, role, valid_from, min(new_end) AS new_end
    FROM (
        SELECT customer_id, giver_id AS staff_id, role, giver_start AS valid_from,
               effective_date AS new_end
        FROM items
        UNION ALL
        SELECT customer_id, receiver_id, role, receiver_start, effective_date
        FROM items
        WHERE receiver_start IS NOT NULL AND receiver_start < effective_date
    )
    GROUP BY customer_id, staff_id, role, valid_from
),
merged AS (
    SELECT customer_id, receiver_id AS staff_id, role, receiver_start AS valid_from,
           sum(share_pct + receiver_share) AS share
    FROM items
    WHERE receiver_start IS NOT NULL AND receiver_start = effective_date
    GROUP BY customer_id, receiver_id, role, receiver_start
)
SELECT
    a.customer_id,
    a.staff_id,
    a.role,
    CAST(coalesce(m.share, a.share_pct) AS DECIMAL(5, 2)) AS share_pct,
    a.valid_from,
    coalesce(e.new_end, a.valid_to) AS valid_to,
    CASE WHEN e.new_end IS NOT NULL OR m.share IS NOT NULL THEN 'handover' ELSE a.source END
        AS source
FROM all_rows AS a
LEFT JOIN ends AS e
    ON e.customer_id = a.customer_id AND e.staff_id = a.staff_id AND e.role = a.role
    AND e.valid_from = a.valid_from
LEFT JOIN merged AS m
    ON m.customer_id = a.customer_id AND m.staff_id = a.staff_id AND m.role = a.role
    AND m.valid_from = a.valid_from
-- a row a handover ended on the day it starts was never in force: gone
WHERE e.new_end IS NULL OR e.new_end > a.valid_from
