-- riskpref_features: seed 002's behavioural features of every customer for one quarter.
-- Product preference over [:start_3m, :as_of]: each class's summed daily market value over the
-- summed daily total assets (*_assets) and over the summed daily market value (*_mv); IPO
-- subscription amounts count x3 (the money is tied up about three days); warrant_trade_share is
-- warrant trade amount over all exchange trade amount; cash_assets is the share of assets
-- outside market value (1 with no assets). Timing over the same window: mean of
-- buy price / reference - 1 (reference: previous close, mean close of the 5/10/20 quoted days
-- before), over buys whose price differs from the reference. Style over [:start_12m, :as_of]:
-- daily return volatility, A-share position (A-share value / assets) and annualised A-share
-- turnover (A-share trade amount / assets x 250). Only data up to :as_of is read.
-- grain: one row per customer known on :as_of (opened by then, not closed before :start_3m)
-- columns: customer_id, avg_assets_3m, market_value_share, <product shares>, timing_* (and
-- timing_buys, the market buys with a quote that day), style_*, and the absolute scale's
-- measures over the 12 months (issue 20: a quarter alone moved a fifth of the customers between
-- levels): held_grade (value-weighted R grade 1..5 of positions, OTC products and IPO
-- subscriptions x3; NULL = nothing held), invested (market value / assets), turnover
-- (annualised: trades / assets x 250), exchange_share (of what is held, the part on the
-- exchange); over the quarter: leverage (margin debt / assets), margin_trade_share; and
-- max_drawdown (12 months, of the assets net of transfers, 0..1)
WITH customers_on_t AS (
    SELECT customer_id, coalesce(open_date, DATE '1900-01-01') AS open_date
    FROM customers_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND (open_date IS NULL OR open_date <= :as_of)
        AND (close_date IS NULL OR close_date >= :start_3m)
),
securities_on_t AS (
    SELECT security_id, security_type, board, coalesce(is_st, false) AS is_st,
        security_type = 'stock' AND (
            (starts_with(security_id, '900') AND ends_with(security_id, '.SH'))
            OR (starts_with(security_id, '200') AND ends_with(security_id, '.SZ'))
        ) AS is_b
    FROM securities_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
classes AS (
    SELECT security_id,
        security_type IN ('etf', 'lof', 'closed_fund') AS exchange_fund,
        security_type = 'stock' AND board = 'chinext' AND NOT is_b AS chinext,
        security_type = 'stock' AND is_st AND NOT is_b AS st,
        security_type = 'warrant' AS warrant,
        security_type IN ('bond', 'convertible', 'repo') AS bond,
        security_type = 'stock' AND NOT is_b AS a_share,
        is_b AS b_share,
        -- the absolute scale's grade (R1..R5 as 1..5) of what the security is
        CASE
            WHEN security_type = 'warrant' THEN :grade_warrant
            WHEN security_type = 'stock' AND is_st THEN :grade_st
            WHEN security_type = 'stock' AND board IN ('chinext', 'star', 'bse') THEN :grade_growth
            WHEN security_type = 'stock' THEN :grade_stock
            WHEN security_type IN ('etf', 'lof', 'closed_fund') THEN :grade_fund
            WHEN security_type = 'convertible' THEN :grade_convertible
            WHEN security_type = 'bond' THEN :grade_bond
            WHEN security_type = 'repo' THEN :grade_repo
            ELSE :grade_stock
        END AS grade
    FROM securities_on_t
),
products_on_t AS (
    SELECT product_id, product_type,
        coalesce(TRY_CAST(substr(risk_level, 2, 1) AS INTEGER), :grade_stock) AS grade
    FROM products_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
window_days AS (
    SELECT c.customer_id, count(d.biz_date) AS days_open
    FROM customers_on_t AS c
    LEFT JOIN rp_days AS d ON d.biz_date >= :start_3m AND d.biz_date >= c.open_date
    GROUP BY c.customer_id
),
assets_3m AS (
    SELECT customer_id,
        sum(total_assets) AS assets_total,
        sum(greatest(total_assets, 0)) AS assets_sum,
        sum(greatest(liabilities, 0)) AS liabilities_sum,
        sum(greatest(stock_value + fund_value + bond_value + product_value + other_value, 0))
            AS mv_sum
    FROM daily_assets
    WHERE biz_date >= :start_3m AND biz_date <= :as_of
    GROUP BY customer_id
),
positions_3m AS (
    SELECT p.customer_id,
        sum(p.market_value) FILTER (WHERE k.exchange_fund) AS exchange_fund,
        sum(p.market_value) FILTER (WHERE k.chinext) AS chinext,
        sum(p.market_value) FILTER (WHERE k.st) AS st,
        sum(p.market_value) FILTER (WHERE k.warrant) AS warrant,
        sum(p.market_value) FILTER (WHERE k.bond) AS bond,
        sum(p.market_value) FILTER (WHERE k.a_share) AS a_share,
        sum(p.market_value) FILTER (WHERE k.b_share) AS b_share
    FROM positions AS p
    INNER JOIN classes AS k ON k.security_id = p.security_id
    WHERE p.biz_date >= :start_3m AND p.biz_date <= :as_of
    GROUP BY p.customer_id
),
products_3m AS (
    SELECT h.customer_id,
        sum(h.market_value) FILTER (
            WHERE o.product_type IN ('equity_fund', 'index_fund', 'hybrid_fund')
        ) AS equity_fund,
        sum(h.market_value) FILTER (WHERE o.product_type = 'money_market') AS money_fund,
        sum(h.market_value) FILTER (WHERE o.product_type = 'bond_fund') AS bond_fund
    FROM product_holdings AS h
    INNER JOIN products_on_t AS o ON o.product_id = h.product_id
    WHERE h.biz_date >= :start_3m AND h.biz_date <= :as_of
    GROUP BY h.customer_id
),
trades_3m AS (
    SELECT t.customer_id,
        sum(t.amount) FILTER (WHERE t.trade_type = 'ipo_subscribe') AS ipo,
        sum(t.amount) FILTER (WHERE t.trade_type NOT IN ('ipo_subscribe', 'ipo_allot'))
            AS traded,
        sum(t.amount) FILTER (
            WHERE t.trade_type NOT IN ('ipo_subscribe', 'ipo_allot') AND k.warrant
        ) AS warrant_traded,
        sum(t.amount) FILTER (WHERE t.trade_type IN ('margin_buy', 'short_sell')) AS margin_traded
    FROM trades AS t
    LEFT JOIN classes AS k ON k.security_id = t.security_id
    WHERE t.biz_date >= :start_3m AND t.biz_date <= :as_of
    GROUP BY t.customer_id
),
quote_refs AS (
    SELECT biz_date, security_id, prev_close,
        avg(close) OVER (PARTITION BY security_id ORDER BY biz_date
            ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING) AS ma5,
        avg(close) OVER (PARTITION BY security_id ORDER BY biz_date
            ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING) AS ma10,
        avg(close) OVER (PARTITION BY security_id ORDER BY biz_date
            ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING) AS ma20
    FROM quotes
    WHERE biz_date >= :quotes_from AND biz_date <= :as_of
),
timing AS (
    SELECT t.customer_id,
        avg(t.price / NULLIF(q.prev_close, 0) - 1) FILTER (WHERE q.prev_close > 0 AND t.price <> q.prev_close)
            AS timing_prev_close,
        avg(t.price / NULLIF(q.ma5, 0) - 1) FILTER (WHERE q.ma5 > 0 AND t.price <> q.ma5) AS timing_ma5,
        avg(t.price / NULLIF(q.ma10, 0) - 1) FILTER (WHERE q.ma10 > 0 AND t.price <> q.ma10) AS timing_ma10,
        avg(t.price / NULLIF(q.ma20, 0) - 1) FILTER (WHERE q.ma20 > 0 AND t.price <> q.ma20) AS timing_ma20,
        count(*) AS timing_buys
    FROM trades AS t
    INNER JOIN quote_refs AS q ON q.security_id = t.security_id AND q.biz_date = t.biz_date
    WHERE t.biz_date >= :start_3m AND t.biz_date <= :as_of
        AND t.side = 'buy' AND t.trade_type IN ('normal', 'margin_buy')
    GROUP BY t.customer_id
),
flows_12m AS (
    SELECT customer_id, biz_date,
        sum(CASE direction WHEN 'in' THEN amount ELSE -amount END) AS net_inflow
    FROM fund_transfers
    WHERE biz_date >= :start_12m AND biz_date <= :as_of
    GROUP BY customer_id, biz_date
),
daily_12m AS (
    SELECT a.customer_id, a.biz_date, a.total_assets, coalesce(f.net_inflow, 0) AS net_inflow,
        greatest(a.stock_value + a.fund_value + a.bond_value + a.product_value + a.other_value, 0)
            AS mv,
        lag(a.total_assets) OVER (PARTITION BY a.customer_id ORDER BY a.biz_date) AS prev_assets
    FROM daily_assets AS a
    LEFT JOIN flows_12m AS f ON f.customer_id = a.customer_id AND f.biz_date = a.biz_date
    WHERE a.biz_date >= :start_12m AND a.biz_date <= :as_of
),
returns_12m AS (
    SELECT customer_id, biz_date, total_assets, prev_assets,
        -- in DOUBLE: Spark would divide the DECIMALs to 6 places, and the sum of logs below
        -- would drift from DuckDB's in the 8th digit
        CASE WHEN prev_assets >= :min_return_base THEN greatest(least(
            CAST(total_assets - prev_assets - net_inflow AS DOUBLE)
                / CAST(prev_assets AS DOUBLE), 1.0), -0.99) END AS ret
    FROM daily_12m
),
wealth_12m AS (
    -- a growth index of the assets net of transfers: its fall from its running peak is the
    -- drawdown the customer sat through
    SELECT customer_id, biz_date,
        sum(ln(1 + coalesce(ret, 0))) OVER (PARTITION BY customer_id ORDER BY biz_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS growth
    FROM returns_12m
),
drawdown_12m AS (
    SELECT customer_id, max(peak - growth) AS drawdown_log
    FROM (
        SELECT customer_id, growth,
            max(growth) OVER (PARTITION BY customer_id ORDER BY biz_date
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS peak
        FROM wealth_12m
    ) AS w
    GROUP BY customer_id
),
style_assets AS (
    SELECT customer_id,
        sum(greatest(total_assets, 0)) AS assets_sum,
        sum(mv) AS mv_sum,
        stddev_samp(CASE WHEN prev_assets >= :min_return_base THEN greatest(least(
            (total_assets - prev_assets - net_inflow) / prev_assets, 1.0), -1.0) END)
            AS volatility
    FROM daily_12m
    GROUP BY customer_id
),
style_a_value AS (
    SELECT p.customer_id, sum(p.market_value) FILTER (WHERE k.a_share) AS a_value,
        sum(greatest(p.market_value, 0)) AS graded_value,
        sum(greatest(p.market_value, 0) * k.grade) AS grade_value
    FROM positions AS p
    INNER JOIN classes AS k ON k.security_id = p.security_id
    WHERE p.biz_date >= :start_12m AND p.biz_date <= :as_of
    GROUP BY p.customer_id
),
products_12m AS (
    SELECT h.customer_id, sum(greatest(h.market_value, 0)) AS graded_value,
        sum(greatest(h.market_value, 0) * o.grade) AS grade_value
    FROM product_holdings AS h
    INNER JOIN products_on_t AS o ON o.product_id = h.product_id
    WHERE h.biz_date >= :start_12m AND h.biz_date <= :as_of
    GROUP BY h.customer_id
),
style_a_traded AS (
    SELECT t.customer_id,
        sum(t.amount) FILTER (
            WHERE k.a_share AND t.trade_type NOT IN ('ipo_subscribe', 'ipo_allot')
        ) AS a_traded,
        sum(t.amount) FILTER (WHERE t.trade_type NOT IN ('ipo_subscribe', 'ipo_allot'))
            AS traded,
        sum(t.amount) FILTER (WHERE t.trade_type = 'ipo_subscribe') AS ipo
    FROM trades AS t
    LEFT JOIN classes AS k ON k.security_id = t.security_id
    WHERE t.biz_date >= :start_12m AND t.biz_date <= :as_of
    GROUP BY t.customer_id
),
base AS (
    SELECT c.customer_id,
        coalesce(a.assets_total, 0) / NULLIF(greatest(w.days_open, 1), 0) AS avg_assets_3m,
        a.assets_sum, a.mv_sum,
        p.exchange_fund, p.chinext, p.st, p.warrant, p.bond, p.a_share, p.b_share,
        o.equity_fund, o.money_fund, o.bond_fund,
        3 * t.ipo AS ipo, t.traded, t.warrant_traded,
        g.timing_prev_close, g.timing_ma5, g.timing_ma10, g.timing_ma20, g.timing_buys,
        s.assets_sum AS assets_12m, s.volatility, v.a_value, r.a_traded,
        a.liabilities_sum, t.margin_traded, d.drawdown_log,
        s.mv_sum AS mv_12m, r.traded AS traded_12m, v.graded_value AS exchange_value_12m,
        coalesce(v.graded_value, 0) + coalesce(o12.graded_value, 0) + coalesce(3 * r.ipo, 0)
            AS graded_value_12m,
        coalesce(v.grade_value, 0) + coalesce(o12.grade_value, 0)
            + coalesce(3 * r.ipo, 0) * :grade_ipo AS grade_value_12m
    FROM customers_on_t AS c
    INNER JOIN window_days AS w ON w.customer_id = c.customer_id
    LEFT JOIN assets_3m AS a ON a.customer_id = c.customer_id
    LEFT JOIN positions_3m AS p ON p.customer_id = c.customer_id
    LEFT JOIN products_3m AS o ON o.customer_id = c.customer_id
    LEFT JOIN trades_3m AS t ON t.customer_id = c.customer_id
    LEFT JOIN timing AS g ON g.customer_id = c.customer_id
    LEFT JOIN style_assets AS s ON s.customer_id = c.customer_id
    LEFT JOIN style_a_value AS v ON v.customer_id = c.customer_id
    LEFT JOIN style_a_traded AS r ON r.customer_id = c.customer_id
    LEFT JOIN products_12m AS o12 ON o12.customer_id = c.customer_id
    LEFT JOIN drawdown_12m AS d ON d.customer_id = c.customer_id
)
SELECT customer_id,
    CAST(avg_assets_3m AS DOUBLE) AS avg_assets_3m,
    least(coalesce(CAST(mv_sum AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS market_value_share,
    1 - least(coalesce(CAST(mv_sum AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS cash_assets,
    least(coalesce(CAST(equity_fund AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS equity_fund_assets,
    least(coalesce(CAST(exchange_fund AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS exchange_fund_assets,
    least(coalesce(CAST(chinext AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS chinext_assets,
    least(coalesce(CAST(st AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS st_assets,
    least(coalesce(CAST(warrant_traded AS DOUBLE) / nullif(traded, 0), 0), 1) AS warrant_trade_share,
    least(coalesce(CAST(warrant AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS warrant_assets,
    least(coalesce(CAST(ipo AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS ipo_assets,
    least(coalesce(CAST(money_fund AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS money_fund_assets,
    least(coalesce(CAST(bond_fund AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS bond_fund_assets,
    least(coalesce(CAST(bond AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS bond_assets,
    least(coalesce(CAST(a_share AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS a_share_assets,
    least(coalesce(CAST(b_share AS DOUBLE) / nullif(assets_sum, 0), 0), 1) AS b_share_assets,
    least(coalesce(CAST(equity_fund AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS equity_fund_mv,
    least(coalesce(CAST(exchange_fund AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS exchange_fund_mv,
    least(coalesce(CAST(chinext AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS chinext_mv,
    least(coalesce(CAST(st AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS st_mv,
    least(coalesce(CAST(warrant AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS warrant_mv,
    least(coalesce(CAST(ipo AS DOUBLE) / nullif(mv_sum, 0), CASE WHEN ipo > 0 THEN 1 END, 0), 1)
        AS ipo_mv,
    least(coalesce(CAST(money_fund AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS money_fund_mv,
    least(coalesce(CAST(bond_fund AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS bond_fund_mv,
    least(coalesce(CAST(bond AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS bond_mv,
    least(coalesce(CAST(a_share AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS a_share_mv,
    least(coalesce(CAST(b_share AS DOUBLE) / nullif(mv_sum, 0), 0), 1) AS b_share_mv,
    CAST(timing_prev_close AS DOUBLE) AS timing_prev_close,
    CAST(timing_ma5 AS DOUBLE) AS timing_ma5,
    CAST(timing_ma10 AS DOUBLE) AS timing_ma10,
    CAST(timing_ma20 AS DOUBLE) AS timing_ma20,
    coalesce(timing_buys, 0) AS timing_buys,
    coalesce(CAST(volatility AS DOUBLE), 0) AS style_volatility,
    least(coalesce(CAST(a_value AS DOUBLE) / nullif(assets_12m, 0), 0), 3) AS style_a_position,
    coalesce(CAST(a_traded AS DOUBLE) / nullif(assets_12m, 0) * 250, 0) AS style_a_turnover,
    least(coalesce(CAST(liabilities_sum AS DOUBLE) / nullif(assets_sum, 0), 0), 10) AS leverage,
    least(coalesce(CAST(margin_traded AS DOUBLE) / nullif(traded, 0), 0), 1) AS margin_trade_share,
    coalesce(1 - exp(-CAST(drawdown_log AS DOUBLE)), 0) AS max_drawdown,
    CAST(grade_value_12m AS DOUBLE) / nullif(graded_value_12m, 0) AS held_grade,
    least(coalesce(CAST(mv_12m AS DOUBLE) / nullif(assets_12m, 0), 0), 1) AS invested,
    coalesce(CAST(traded_12m AS DOUBLE) / nullif(assets_12m, 0) * 250, 0) AS turnover,
    coalesce(CAST(exchange_value_12m AS DOUBLE) / nullif(graded_value_12m, 0), 0)
        AS exchange_share
FROM base
ORDER BY customer_id
