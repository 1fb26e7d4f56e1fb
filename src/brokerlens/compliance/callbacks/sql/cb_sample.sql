-- cb_sample: the year's call-back sample (or its replacements): in each stratum of cb_wanted,
-- the first `take` customers of the base not tasked yet, in the order of
-- md5(customer_id || year || seed) (the same seed draws the same sample)
-- grain: one row per customer drawn
-- columns: customer_id, kind (annual_sample), source_ref (the year), branch_id, tier, due_date
--   (:due), stratum_base, stratum_quota (the stratum's base and quota when :draw, else null:
--   a replacement)
-- reads: cb_base (customer_id, branch_id, tier), cb_wanted (branch_id, tier, base, quota,
--   take), cb_tasked (customer_id: the year's sample tasks already made)
WITH ranked AS (
    SELECT b.customer_id, b.branch_id, b.tier, w.base, w.quota, w.take,
        row_number() OVER (
            PARTITION BY b.branch_id, b.tier
            ORDER BY md5(b.customer_id || :year || :seed), b.customer_id
        ) AS pick
    FROM cb_base b
    JOIN cb_wanted w ON w.branch_id = b.branch_id AND w.tier = b.tier
    WHERE NOT EXISTS (SELECT 1 FROM cb_tasked t WHERE t.customer_id = b.customer_id)
)
SELECT customer_id, 'annual_sample' AS kind, CAST(:year AS VARCHAR) AS source_ref, branch_id,
    tier, CAST(:due AS DATE) AS due_date,
    CASE WHEN :draw THEN CAST(base AS BIGINT) END AS stratum_base,
    CASE WHEN :draw THEN CAST(quota AS BIGINT) END AS stratum_quota
FROM ranked
WHERE pick <= take
