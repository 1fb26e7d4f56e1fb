-- worklist_items: every open work item of :as_of with its row's score, the row's rank in the
-- broker's list and whether it is within the broker's branch budget
-- grain: one row per (staff_id, customer_id, kind); a row of the work list is the items of one
--   (staff_id, customer_id), ordered by rank then the item's urgency
-- columns: staff_id, customer_id, kind, urgency (the item's), label, label_en, amount, share,
--   days, text_zh, text_en, branch_id (the customer's), name, total_assets, row_urgency (0..1:
--   the highest item urgency + :bonus x the sum of the others, capped at 1), value (0..1: the
--   customer's percentile of total assets among all customers on T), score (0..100), rank
--   (1 = first in the broker's list), budget (the broker's branch budget), offer_product_id,
--   offer_product_name, offer_reason (the customer's top recommendation of T, if any)
-- reads: wl_candidates (every candidate file's rows), wl_owners (worklist_owners), wl_value
--   (customer_id, total_assets on T), wl_snoozed (staff_id, customer_id: snoozed past T),
--   wl_cooldown (customer_id, kind: done or dismissed within the cooldown), wl_budgets
--   (branch_id, budget), wl_alert_covers (alert_kind, kind: an alert an item of the kind
--   covers), wl_offers (customer_id, product_id, product_name, reason)
WITH valued AS (
    SELECT o.customer_id, o.name, o.branch_id, o.staff_id,
        coalesce(v.total_assets, 0) AS total_assets,
        percent_rank() OVER (ORDER BY coalesce(v.total_assets, 0)) AS value
    FROM wl_owners o
    LEFT JOIN wl_value v ON v.customer_id = o.customer_id
),
items AS (
    SELECT coalesce(c.staff_id, o.staff_id) AS staff_id, c.customer_id, c.kind, c.urgency,
        c.label, c.label_en, c.amount, c.share, c.days, c.text_zh, c.text_en,
        o.branch_id, o.name, o.total_assets, o.value
    FROM wl_candidates c
    JOIN valued o ON o.customer_id = c.customer_id
    WHERE coalesce(c.staff_id, o.staff_id) IS NOT NULL
        AND NOT EXISTS (
            SELECT 1 FROM wl_cooldown k WHERE k.customer_id = c.customer_id AND k.kind = c.kind
        )
        -- an alert saying what an item of the customer says already is left out
        AND NOT EXISTS (
            SELECT 1 FROM wl_alert_covers v
            JOIN wl_candidates d ON d.customer_id = c.customer_id AND d.kind = v.kind
            WHERE v.alert_kind = c.kind
        )
),
open_items AS (
    SELECT i.*
    FROM items i
    WHERE NOT EXISTS (
        SELECT 1 FROM wl_snoozed s
        WHERE s.staff_id = i.staff_id AND s.customer_id = i.customer_id
    )
),
rows_ AS (
    SELECT staff_id, customer_id,
        least(1.0, max(urgency) + :bonus * (sum(urgency) - max(urgency))) AS row_urgency,
        max(value) AS value
    FROM open_items
    GROUP BY staff_id, customer_id
),
scored AS (
    SELECT staff_id, customer_id, row_urgency, value,
        100 * (:w_urgency * row_urgency + :w_value * value) AS score
    FROM rows_
),
staff_branch AS (
    -- the broker's branch, as their owned customers give it (one per broker)
    SELECT staff_id, min(budget_branch) AS branch_id
    FROM wl_owners
    WHERE staff_id IS NOT NULL
    GROUP BY staff_id
),
ranked AS (
    SELECT s.*,
        row_number() OVER (PARTITION BY staff_id ORDER BY score DESC, customer_id) AS rank
    FROM scored s
)
SELECT i.staff_id, i.customer_id, i.kind, i.urgency, i.label, i.label_en, i.amount, i.share,
    i.days, i.text_zh, i.text_en, i.branch_id, i.name, i.total_assets,
    r.row_urgency, r.value, r.score, r.rank, sb.branch_id AS staff_branch,
    coalesce(b.budget, :default_budget) AS budget,
    f.product_id AS offer_product_id, f.product_name AS offer_product_name,
    f.reason AS offer_reason
FROM open_items i
JOIN ranked r ON r.staff_id = i.staff_id AND r.customer_id = i.customer_id
LEFT JOIN staff_branch sb ON sb.staff_id = i.staff_id
LEFT JOIN wl_budgets b ON b.branch_id = sb.branch_id
LEFT JOIN wl_offers f ON f.customer_id = i.customer_id
ORDER BY i.staff_id, r.rank, i.urgency DESC, i.kind
