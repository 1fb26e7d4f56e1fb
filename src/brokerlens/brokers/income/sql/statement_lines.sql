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
-- So per month, role and kind the lines add up to the customers' income to the cent.
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
held AS (
    SELECT
        i.day,
        i.customer_id,
        i.income_kind,
        i.cents,
        l.role,
        l.staff_id,
        l.valid_from,
        CAST(round(l.share_pct * 100) AS BIGINT) AS bp
    FROM income AS i
    JOIN ledger AS l
        ON l.customer_id = i.customer_id
        AND l.valid_from <= i.day
        AND (l.valid_to IS NULL OR l.valid_to > i.day)
),
totals AS (
    SELECT
        *,
        CAST(sum(bp) OVER (PARTITION BY customer_id, day, income_kind, role) AS BIGINT) AS bp_total
    FROM held
),
quotas AS (
    SELECT
        *,
        greatest(bp_total, 10000) AS den,
        cents * bp AS num,
        (cents * least(bp_total, 10000) - ((cents * least(bp_total, 10000)) % 10000 + 10000)
            % 10000) // 10000 AS target
    FROM totals
),
floors AS (
    SELECT
        *,
        ((num % nullif(den, 0)) + den) % nullif(den, 0) AS rem,
        (num - ((num % nullif(den, 0)) + den) % nullif(den, 0)) // nullif(den, 0) AS base
    FROM quotas
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
    SELECT
        customer_id,
        staff_id,
        role,
        income_kind,
        base + CASE WHEN nth <= extra THEN 1 ELSE 0 END AS cents
    FROM ranked
),
given AS (
    SELECT customer_id, day, income_kind, role, max(target) AS target
    FROM quotas
    GROUP BY customer_id, day, income_kind, role
),
unassigned AS (
    SELECT
        i.customer_id,
        r.role,
        i.income_kind,
        i.cents - coalesce(g.target, 0) AS cents
    FROM income AS i
    CROSS JOIN roles AS r
    LEFT JOIN given AS g
        ON g.customer_id = i.customer_id
        AND g.day = i.day
        AND g.income_kind = i.income_kind
        AND g.role = r.role
    WHERE i.cents - coalesce(g.target, 0) <> 0
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
