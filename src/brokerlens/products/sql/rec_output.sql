-- rec_output: the recommendations of T as `brokerlens sql`, the pages and the targets read them
-- grain: customer_id, product_id (each customer's kept top k, after the suitability gate)
-- columns: as_of_date, customer_id, product_id, rank (1 = best), score (the model's probability
--   of a purchase in the next 20 trading days), reasons (the model's strongest reasons in words,
--   then the suitability match that let the item through).
-- reads: rec_ranked (the scorer's rows).
SELECT as_of_date, customer_id, product_id, rank, score, reasons
FROM rec_ranked
