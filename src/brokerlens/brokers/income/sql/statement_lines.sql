-- statement_lines: the month's commission statement (佣金分成), to the cent.
-- grain: staff_id (NULL: income no relationship in force holds in that role), unit_id, role,
--   income_kind
-- columns: month, through (the last day counted), staff_id, unit_id (the staff's unit as of
--   :through; the customer's branch for NULL staff), role (developer|servicer|advisor),
--   income_kind (commission|product_fee), amount_cents, customers (distinct customers behind it)
-- Splitting: per customer, day, income kind and role, each holder of the role on that day (the
-- ledger's relationships in force: valid_from <= day < valid_to) gets floor(cents x share / D)
-- with D = max(100%, the role's share total); the cents still to give (the target less the
-- floors, fewer than the holders) go one each to the largest remainders, ties to the smaller
-- staff_id. The target is all the cents when the shares add up to 100% or more, else
-- floor(cents x total / 100%): the rest, and all of a role nobody holds, is booked to NULL staff.
-- So per month, role and kind the lines add up to the customers' income to the cent. With one
-- holder (most customers) the floor is the target: only shared roles are ranked, and a role
-- held by one relationship the whole month is not even grouped by day.
-- Reads `income_days`, `ledger`, `staff_history`, `customers_history`.
WITH roles AS (
    SELECT role FROM (VALUES ('developer'), ('servicer'), ('advisor')) AS r (role)
),
income AS (
    SELECT day, customer_id, 'commission' AS income_kind, commission_cents AS cents
    FROM income_days
    WHERE commission_cents <> 0
    UNION ALL
    SELECT day, customer_id, 'product_fee' AS income_kind, product_fee_cents AS cents
    FROM income_days
    WHERE product_fee_cents <> 0
),
spans AS (
    -- the relationships in force on some day of the month, and whether the customer's role
    -- has just that one in the month (then no day of it is shared)
    SELECT
        customer_id,
        role,
        staff_id,
        valid_from,
        valid_to,
        CAST(round(share_pct * 100) AS BIGINT) AS bp,
        count(*) OVER (PARTITION BY customer_id, role) = 1 AS alone
    FROM ledger
    WHERE valid_from <= :through AND (valid_to IS NULL OR valid_to > :month)
),
held AS (
    SELECT
        i.day,
        i.customer_id,
        i.income_kind,
        i.cents,
        l.role,
        l.staff_id,
        l.valid_from,
        l.bp,
        l.alone
    FROM income AS i
    JOIN spans AS l
        ON l.customer_id = i.customer_id
        AND l.valid_from <= i.day
        AND (l.valid_to IS NULL OR l.valid_to > i.day)
),
parts AS (
    -- one row per customer, day, income kind and role somebody holds: a sole holder's row as
    -- it is, the others' grouped
    SELECT
        customer_id, day, income_kind, role, cents, 1 AS holders, bp AS bp_total,
        staff_id AS first_staff
    FROM held
    WHERE alone
    UNION ALL
    SELECT
        customer_id,
        day,
        income_kind,
        role,
        max(cents) AS cents,
        count(*) AS holders,
        CAST(sum(bp) AS BIGINT) AS bp_total,
        min(staff_id) AS first_staff
    FROM held
    WHERE NOT alone
    GROUP BY customer_id, day, income_kind, role
),
targets AS (
    SELECT
        *,
        greatest(bp_total, 10000) AS den,
        (cents * least(bp_total, 10000) - ((cents * least(bp_total, 10000)) % 10000 + 10000)
            % 10000) // 10000 AS target
    FROM parts
),
single_parts AS (
    -- one holder (the common case): the floor is the target, nothing left to give
    SELECT customer_id, first_staff AS staff_id, role, income_kind, target AS cents
    FROM targets
    WHERE holders = 1
),
shared AS (
    SELECT h.customer_id, h.day, h.income_kind, h.role, h.staff_id, h.valid_from, h.cents,
        h.bp, t.den, t.target
    FROM held AS h
    JOIN targets AS t
        ON t.customer_id = h.customer_id
        AND t.day = h.day
        AND t.income_kind = h.income_kind
        AND t.role = h.role
    WHERE NOT h.alone AND t.holders > 1
),
floors AS (
    SELECT
        *,
        ((cents * bp % nullif(den, 0)) + den) % nullif(den, 0) AS rem,
        (cents * bp - ((cents * bp % nullif(den, 0)) + den) % nullif(den, 0))
            // nullif(den, 0) AS base
    FROM shared
),
ranked AS (
    SELECT
        *,
        target
        - CAST(sum(base) OVER (PARTITION BY customer_id, day, income_kind, role) AS BIGINT)
            AS extra,
        row_number() OVER (
            PARTITION BY customer_id, day, income_kind, role
            ORDER BY rem DESC, staff_id, valid_from
        ) AS nth
    FROM floors
),
staff_parts AS (
    SELECT customer_id, staff_id, role, income_kind, cents FROM single_parts
    UNION ALL
    SELECT
        customer_id,
        staff_id,
        role,
        income_kind,
        base + CASE WHEN nth <= extra THEN 1 ELSE 0 END AS cents
    FROM ranked
),
income_month AS (
    SELECT customer_id, income_kind, CAST(sum(cents) AS BIGINT) AS cents
    FROM income
    GROUP BY customer_id, income_kind
),
given_month AS (
    SELECT customer_id, income_kind, role, CAST(sum(target) AS BIGINT) AS target
    FROM targets
    GROUP BY customer_id, income_kind, role
),
unassigned AS (
    -- what the holders were not given, over the month (never below 0: a target <= the cents)
    SELECT
        m.customer_id,
        r.role,
        m.income_kind,
        m.cents - coalesce(g.target, 0) AS cents
    FROM income_month AS m
    CROSS JOIN roles AS r
    LEFT JOIN given_month AS g
        ON g.customer_id = m.customer_id
        AND g.income_kind = m.income_kind
        AND g.role = r.role
    WHERE m.cents - coalesce(g.target, 0) <> 0
),
staff_units AS (
    SELECT staff_id, arg_max(unit_id, valid_from) AS unit_id
    FROM staff_history
    WHERE valid_from <= :through
    GROUP BY staff_id
),
branches AS (
    SELECT customer_id, arg_max(branch_id, valid_from) AS branch_id
    FROM customers_history
    WHERE valid_from <= :through
    GROUP BY customer_id
),
staff_lines AS (
    SELECT
        staff_id,
        role,
        income_kind,
        CAST(sum(cents) AS BIGINT) AS amount_cents,
        count(DISTINCT customer_id) AS customers
    FROM staff_parts
    GROUP BY staff_id, role, income_kind
),
nobody_lines AS (
    SELECT
        b.branch_id AS unit_id,
        u.role,
        u.income_kind,
        CAST(sum(u.cents) AS BIGINT) AS amount_cents,
        count(DISTINCT u.customer_id) AS customers
    FROM unassigned AS u
    LEFT JOIN branches AS b ON b.customer_id = u.customer_id
    GROUP BY b.branch_id, u.role, u.income_kind
)
SELECT
    CAST(:month AS DATE) AS month,
    CAST(:through AS DATE) AS through,
    s.staff_id,
    su.unit_id,
    s.role,
    s.income_kind,
    s.amount_cents,
    CAST(s.customers AS BIGINT) AS customers
FROM staff_lines AS s
LEFT JOIN staff_units AS su ON su.staff_id = s.staff_id
UNION ALL
SELECT
    CAST(:month AS DATE) AS month,
    CAST(:through AS DATE) AS through,
    CAST(NULL AS VARCHAR) AS staff_id,
    unit_id,
    role,
    income_kind,
    amount_cents,
    CAST(customers AS BIGINT) AS customers
FROM nobody_lines
ORDER BY role, income_kind, staff_id NULLS LAST, unit_id
