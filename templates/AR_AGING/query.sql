-- Receivables aging as of :as_of (a calendar date in the request's time zone). The Online Retail data
-- records invoices and credit notes but no payments, so the rule is (README, "AR_AGING"):
--   * every line of a known customer up to the end of :as_of is an open receivable of quantity × unit_price
--     (credit-note lines, invoice numbers C…, have negative quantities and so reduce the balance);
--   * a document is due :payment_terms_days days after its own date (its date in the request's zone);
--   * days overdue = :as_of − due date; ≤ 0 is `current`; bucket k ≥ 1 holds the days from the lower bound
--     k to the next (intervals in :intervals, e.g. '30,30,30'); beyond their sum, the open-ended bucket.
-- One row per customer (country: that of its latest line up to :as_of), buckets as an exact text[] in
-- bucket order (expanded into columns by the catalog), and with :include_sum a last row with the totals
-- (customer_id and country NULL) when there is any customer.
WITH lengths AS (
  SELECT ord, len, sum(len) OVER (ORDER BY ord) AS upper
  FROM unnest(string_to_array(:intervals::text, ',')::int[]) WITH ORDINALITY AS t(len, ord)
),
bounds AS (
  -- Lower bounds of buckets 1 … n+1 for width_bucket: 1, L1+1, L1+L2+1, …, ΣL+1 (below the first: 0, current).
  SELECT array_agg(upper - len + 1 ORDER BY ord) || (max(upper) + 1)::int AS lower_bounds, count(*)::int + 1 AS last_bucket
  FROM lengths
),
lines AS (
  SELECT l.customer_id, l.country, l.invoice_date, l.line_no, l.quantity * l.unit_price AS amount,
         width_bucket(:as_of::date - ((l.invoice_date AT TIME ZONE :timezone::text)::date + :payment_terms_days::int), b.lower_bounds) AS bucket
  FROM retail.invoice_line l CROSS JOIN bounds b
  WHERE l.customer_id IS NOT NULL
    AND l.invoice_date < ((:as_of::date + 1)::timestamp AT TIME ZONE :timezone::text)
    AND (:customer_id::int IS NULL OR l.customer_id = :customer_id::int)
),
customers AS (
  SELECT customer_id, country
  FROM (SELECT DISTINCT ON (customer_id) customer_id, country FROM lines ORDER BY customer_id, invoice_date DESC, line_no DESC) latest
  WHERE :country::text IS NULL OR lower(country) = lower(:country::text)
),
cells AS (
  -- Every customer × every bucket, zero where nothing falls.
  SELECT c.customer_id, c.country, k.bucket, coalesce(s.amount, 0) AS amount
  FROM customers c
    CROSS JOIN bounds b
    CROSS JOIN LATERAL generate_series(0, b.last_bucket) AS k(bucket)
    LEFT JOIN (SELECT customer_id, bucket, sum(amount) AS amount FROM lines GROUP BY 1, 2) s
      ON s.customer_id = c.customer_id AND s.bucket = k.bucket
),
per_customer AS (
  SELECT customer_id, country, array_agg(amount::text ORDER BY bucket) AS buckets, sum(amount) AS total, 0 AS part
  FROM cells GROUP BY customer_id, country
),
totals AS (
  SELECT NULL::int AS customer_id, NULL::text AS country, array_agg(amount::text ORDER BY bucket) AS buckets, sum(amount) AS total, 1 AS part
  FROM (SELECT bucket, sum(amount) AS amount FROM cells GROUP BY bucket) t
  WHERE :include_sum::boolean
  HAVING count(*) > 0
)
SELECT customer_id, country, buckets, total FROM (SELECT * FROM per_customer UNION ALL SELECT * FROM totals) report
ORDER BY part, customer_id
