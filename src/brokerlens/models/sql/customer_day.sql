-- customer_day: the running daily aggregate every window indicator is summed from.
-- grain: one row per customer and business date in [:first_day, :last_day] with any row that day
--   (assets, trades, transfers or product orders)
-- columns: biz_date, customer_id, total_assets, available_cash, cash, stock_value, fund_value,
--   bond_value, product_value, other_value, trade_amount, trade_count, net_commission,
--   buy_stock, buy_fund, buy_bond, buy_warrant, buy_other, stock_buy_qty, stock_buy_value,
--   transfer_in, transfer_out, flow_epoch (net inflow x days since 1970-01-01)
-- A buy is side 'buy' of any type but ipo_subscribe (an application, not a purchase).
WITH securities_on_day AS (
    SELECT security_id, security_type
    FROM securities_history
    WHERE valid_from <= :last_day AND (valid_to IS NULL OR valid_to > :last_day)
),
products_on_day AS (
    SELECT product_id, product_type
    FROM products_history
    WHERE valid_from <= :last_day AND (valid_to IS NULL OR valid_to > :last_day)
),
trade_day AS (
    SELECT
        t.biz_date,
        t.customer_id,
        sum(CASE WHEN t.trade_type <> 'ipo_subscribe' THEN t.amount ELSE 0 END) AS trade_amount,
        count(CASE WHEN t.trade_type <> 'ipo_subscribe' THEN 1 END) AS trade_count,
        sum(t.net_commission) AS net_commission,
        sum(CASE WHEN t.side = 'buy' AND t.trade_type <> 'ipo_subscribe'
            AND s.security_type = 'stock' THEN t.amount ELSE 0 END) AS buy_stock,
        sum(CASE WHEN t.side = 'buy' AND t.trade_type <> 'ipo_subscribe'
            AND s.security_type IN ('etf', 'lof', 'closed_fund') THEN t.amount ELSE 0 END)
            AS buy_fund_exchange,
        sum(CASE WHEN t.side = 'buy' AND t.trade_type <> 'ipo_subscribe'
            AND s.security_type IN ('bond', 'convertible', 'repo') THEN t.amount ELSE 0 END)
            AS buy_bond,
        sum(CASE WHEN t.side = 'buy' AND t.trade_type <> 'ipo_subscribe'
            AND s.security_type = 'warrant' THEN t.amount ELSE 0 END) AS buy_warrant,
        sum(CASE WHEN t.side = 'buy' AND t.trade_type <> 'ipo_subscribe'
            AND s.security_type = 'stock' THEN t.quantity ELSE 0 END) AS stock_buy_qty,
        sum(CASE WHEN t.side = 'buy' AND t.trade_type <> 'ipo_subscribe'
            AND s.security_type = 'stock' THEN t.quantity * t.price ELSE 0 END)
            AS stock_buy_value
    FROM trades AS t
    LEFT JOIN securities_on_day AS s ON s.security_id = t.security_id
    WHERE t.biz_date >= :first_day AND t.biz_date <= :last_day
    GROUP BY t.biz_date, t.customer_id
),
product_day AS (
    SELECT
        o.biz_date,
        o.customer_id,
        sum(CASE WHEN p.product_type IN ('money_market', 'bond_fund', 'hybrid_fund',
            'equity_fund', 'index_fund', 'qdii_fund', 'private_fund') THEN o.amount ELSE 0 END)
            AS buy_fund_otc,
        sum(CASE WHEN p.product_type IN ('money_market', 'bond_fund', 'hybrid_fund',
            'equity_fund', 'index_fund', 'qdii_fund', 'private_fund') THEN 0 ELSE o.amount END)
            AS buy_other
    FROM product_trades AS o
    LEFT JOIN products_on_day AS p ON p.product_id = o.product_id
    WHERE o.biz_date >= :first_day AND o.biz_date <= :last_day
        AND o.action IN ('subscribe', 'purchase')
    GROUP BY o.biz_date, o.customer_id
),
transfer_day AS (
    SELECT
        biz_date,
        customer_id,
        sum(CASE WHEN direction = 'in' THEN amount ELSE 0 END) AS transfer_in,
        sum(CASE WHEN direction = 'out' THEN amount ELSE 0 END) AS transfer_out
    FROM fund_transfers
    WHERE biz_date >= :first_day AND biz_date <= :last_day
    GROUP BY biz_date, customer_id
),
assets_day AS (
    SELECT biz_date, customer_id, total_assets, available_cash, cash, stock_value, fund_value,
        bond_value, product_value, other_value
    FROM daily_assets
    WHERE biz_date >= :first_day AND biz_date <= :last_day
),
ids AS (
    SELECT biz_date, customer_id FROM assets_day
    UNION
    SELECT biz_date, customer_id FROM trade_day
    UNION
    SELECT biz_date, customer_id FROM product_day
    UNION
    SELECT biz_date, customer_id FROM transfer_day
)
SELECT
    i.biz_date,
    i.customer_id,
    coalesce(a.total_assets, 0) AS total_assets,
    coalesce(a.available_cash, 0) AS available_cash,
    coalesce(a.cash, 0) AS cash,
    coalesce(a.stock_value, 0) AS stock_value,
    coalesce(a.fund_value, 0) AS fund_value,
    coalesce(a.bond_value, 0) AS bond_value,
    coalesce(a.product_value, 0) AS product_value,
    coalesce(a.other_value, 0) AS other_value,
    CAST(coalesce(t.trade_amount, 0) AS DECIMAL(38, 2)) AS trade_amount,
    CAST(coalesce(t.trade_count, 0) AS BIGINT) AS trade_count,
    CAST(coalesce(t.net_commission, 0) AS DECIMAL(38, 2)) AS net_commission,
    CAST(coalesce(t.buy_stock, 0) AS DECIMAL(38, 2)) AS buy_stock,
    CAST(coalesce(t.buy_fund_exchange, 0) + coalesce(p.buy_fund_otc, 0) AS DECIMAL(38, 2))
        AS buy_fund,
    CAST(coalesce(t.buy_bond, 0) AS DECIMAL(38, 2)) AS buy_bond,
    CAST(coalesce(t.buy_warrant, 0) AS DECIMAL(38, 2)) AS buy_warrant,
    CAST(coalesce(p.buy_other, 0) AS DECIMAL(38, 2)) AS buy_other,
    CAST(coalesce(t.stock_buy_qty, 0) AS BIGINT) AS stock_buy_qty,
    CAST(coalesce(t.stock_buy_value, 0) AS DECIMAL(38, 4)) AS stock_buy_value,
    CAST(coalesce(f.transfer_in, 0) AS DECIMAL(38, 2)) AS transfer_in,
    CAST(coalesce(f.transfer_out, 0) AS DECIMAL(38, 2)) AS transfer_out,
    CAST((coalesce(f.transfer_in, 0) - coalesce(f.transfer_out, 0))
        * date_diff('day', DATE '1970-01-01', i.biz_date) AS DECIMAL(38, 2)) AS flow_epoch
FROM ids AS i
LEFT JOIN assets_day AS a ON a.biz_date = i.biz_date AND a.customer_id = i.customer_id
LEFT JOIN trade_day AS t ON t.biz_date = i.biz_date AND t.customer_id = i.customer_id
LEFT JOIN product_day AS p ON p.biz_date = i.biz_date AND p.customer_id = i.customer_id
LEFT JOIN transfer_day AS f ON f.biz_date = i.biz_date AND f.customer_id = i.customer_id
