-- kpi_staff: the staff employed in the period, where they sit at its end.
-- grain: staff_id (staff as delivered on :period_end, hired by then and not gone before
--   :period_start)
-- columns: staff_id, position, unit_id, branch_id, region_id (the unit itself or the nearest
--   unit above it of that type, as the organisation stood on :period_end)
WITH s AS (
    SELECT staff_id, unit_id, position
    FROM staff_history
    WHERE valid_from <= :period_end AND (valid_to IS NULL OR valid_to > :period_end)
        AND hire_date <= :period_end
        AND (leave_date IS NULL OR leave_date > :period_start)
),
u AS (
    SELECT unit_id, parent_id, unit_type
    FROM org_units_history
    WHERE valid_from <= :period_end AND (valid_to IS NULL OR valid_to > :period_end)
)
SELECT
    s.staff_id,
    s.position,
    s.unit_id,
    CASE
        WHEN u0.unit_type = 'branch' THEN u0.unit_id
        WHEN u1.unit_type = 'branch' THEN u1.unit_id
        WHEN u2.unit_type = 'branch' THEN u2.unit_id
    END AS branch_id,
    CASE
        WHEN u0.unit_type = 'region' THEN u0.unit_id
        WHEN u1.unit_type = 'region' THEN u1.unit_id
        WHEN u2.unit_type = 'region' THEN u2.unit_id
        WHEN u3.unit_type = 'region' THEN u3.unit_id
    END AS region_id
FROM s
LEFT JOIN u AS u0 ON u0.unit_id = s.unit_id
LEFT JOIN u AS u1 ON u1.unit_id = u0.parent_id
LEFT JOIN u AS u2 ON u2.unit_id = u1.parent_id
LEFT JOIN u AS u3 ON u3.unit_id = u2.parent_id
