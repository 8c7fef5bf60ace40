-- Net sales per country and month in [:period_from, :period_to). The month is the calendar month of
-- the invoice date in the request's time zone. Sums stay NUMERIC (exact).
SELECT country,
       to_char(invoice_date AT TIME ZONE :timezone::text, 'YYYY-MM') AS month,
       count(DISTINCT invoice_no)::int AS invoices,
       count(*)::int AS lines,
       sum(quantity)::bigint AS quantity,
       sum(quantity * unit_price) AS net_sales
FROM retail.invoice_line
WHERE invoice_date >= :period_from::timestamptz
  AND invoice_date < :period_to::timestamptz
GROUP BY 1, 2
ORDER BY 1, 2
