-- staff_book: each staff member's and each unit's book as of :as_of, the figures of the staff
--   and unit pages (issue 19 part E).
-- grain: scope_kind ('staff' | 'unit'), scope_id, section, item, sub_item, day
-- columns: scope_kind, scope_id, section, item, sub_item, day, customers, amount_cents, n
--   section 'tier':     item = the customer tier (customer_tier of the profile, '-' when none);
--                       customers held on T and their total assets on T (amount_cents)
--   section 'trend':    day = a month's last loaded business day (and T); customers held that
--                       day and their total assets (amount_cents)
--   section 'gained':   day = a month (its first day) since :flow_since; customers first held
--   section 'lost':     day = a month; customers no longer held (every relationship ended)
--   section 'closed':   day = a month; customers held whose account closed that month
--   section 'contacts': item = purpose, sub_item = result; n contacts made by the staff member
--                       (a unit: by its staff) since :contacts_since, with `customers` distinct
-- A scope holds a customer while any of its staff members holds any role (the ledger `book_ledger`,
-- the staff-to-scope map `book_scopes`: a staff member maps to themselves and to their unit and
-- every unit above it as of T); a unit counts a customer once however many of its staff serve them.
WITH held AS (
    SELECT
        s.scope_kind,
        s.scope_id,
        l.customer_id,
        min(l.valid_from) AS held_from,
        max(CASE WHEN l.valid_to IS NULL OR l.valid_to > :as_of THEN 1 ELSE 0 END) AS is_open,
        max(l.valid_to) AS last_end
    FROM book_ledger AS l
    JOIN book_scopes AS s ON s.staff_id = l.staff_id
    WHERE l.valid_from <= :as_of
    GROUP BY s.scope_kind, s.scope_id, l.customer_id
),
pairs AS (
    SELECT
        scope_kind,
        scope_id,
        customer_id,
        held_from,
        CASE WHEN is_open = 1 THEN NULL ELSE last_end END AS held_to
    FROM held
),
tiers AS (
    SELECT
        p.scope_kind,
        p.scope_id,
        'tier' AS section,
        coalesce(f.tier, '-') AS item,
        CAST(NULL AS VARCHAR) AS sub_item,
        CAST(:as_of AS DATE) AS day,
        count(*) AS customers,
        CAST(round(sum(coalesce(f.assets, 0)) * 100) AS BIGINT) AS amount_cents,
        CAST(NULL AS BIGINT) AS n
    FROM pairs AS p
    LEFT JOIN book_profile AS f ON f.customer_id = p.customer_id
    WHERE p.held_to IS NULL
    GROUP BY p.scope_kind, p.scope_id, coalesce(f.tier, '-')
),
day_assets AS (
    SELECT a.biz_date, a.customer_id, CAST(a.total_assets AS DOUBLE) AS assets
    FROM book_daily_assets AS a
    JOIN book_days AS d ON d.day = a.biz_date
),
trend AS (
    SELECT
        p.scope_kind,
        p.scope_id,
        'trend' AS section,
        CAST(NULL AS VARCHAR) AS item,
        CAST(NULL AS VARCHAR) AS sub_item,
        a.biz_date AS day,
        count(*) AS customers,
        CAST(round(sum(a.assets) * 100) AS BIGINT) AS amount_cents,
        CAST(NULL AS BIGINT) AS n
    FROM pairs AS p
    JOIN day_assets AS a
        ON a.customer_id = p.customer_id
        AND p.held_from <= a.biz_date
        AND (p.held_to IS NULL OR p.held_to > a.biz_date)
    GROUP BY p.scope_kind, p.scope_id, a.biz_date
),
flow AS (
    SELECT scope_kind, scope_id, 'gained' AS section, date_trunc('month', held_from) AS month
    FROM pairs
    WHERE held_from >= :flow_since
    UNION ALL
    SELECT scope_kind, scope_id, 'lost' AS section, date_trunc('month', held_to) AS month
    FROM pairs
    WHERE held_to IS NOT NULL AND held_to >= :flow_since AND held_to <= :as_of
    UNION ALL
    SELECT p.scope_kind, p.scope_id, 'closed' AS section, date_trunc('month', c.close_date)
    FROM pairs AS p
    JOIN customers_history AS c
        ON c.customer_id = p.customer_id
        AND c.valid_from <= :as_of
        AND (c.valid_to IS NULL OR c.valid_to > :as_of)
    WHERE c.status = 'closed'
        AND c.close_date >= :flow_since
        AND c.close_date <= :as_of
        AND p.held_from <= c.close_date
        AND (p.held_to IS NULL OR p.held_to >= c.close_date)
),
flows AS (
    SELECT
        scope_kind,
        scope_id,
        section,
        CAST(NULL AS VARCHAR) AS item,
        CAST(NULL AS VARCHAR) AS sub_item,
        CAST(month AS DATE) AS day,
        count(*) AS customers,
        CAST(NULL AS BIGINT) AS amount_cents,
        CAST(NULL AS BIGINT) AS n
    FROM flow
    GROUP BY scope_kind, scope_id, section, month
),
contacts_made AS (
    SELECT
        s.scope_kind,
        s.scope_id,
        'contacts' AS section,
        c.purpose AS item,
        c.result AS sub_item,
        CAST(:as_of AS DATE) AS day,
        count(DISTINCT c.customer_id) AS customers,
        CAST(NULL AS BIGINT) AS amount_cents,
        count(*) AS n
    FROM book_contacts AS c
    JOIN book_scopes AS s ON s.staff_id = c.staff_id
    WHERE c.biz_date >= :contacts_since AND c.biz_date <= :as_of
    GROUP BY s.scope_kind, s.scope_id, c.purpose, c.result
)
SELECT * FROM tiers
UNION ALL
SELECT * FROM trend
UNION ALL
SELECT * FROM flows
UNION ALL
SELECT * FROM contacts_made
ORDER BY scope_kind, scope_id, section, day, item, sub_item
