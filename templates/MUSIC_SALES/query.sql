-- Chinook music store sales per genre, billing country and calendar month in [:period_from, :period_to).
-- Chinook's invoice dates are TIMESTAMP without a zone: they are read as UTC, and the month is the
-- calendar month of that instant in the request's time zone. Sales = unit price × quantity in USD,
-- summed as NUMERIC (exact); every line's amounts add up to its invoice's total.
SELECT g.name AS genre,
       i.billing_country AS country,
       to_char((i.invoice_date AT TIME ZONE 'UTC') AT TIME ZONE :timezone::text, 'YYYY-MM') AS month,
       count(DISTINCT i.invoice_id)::int AS invoices,
       sum(il.quantity)::int AS tracks,
       sum(il.unit_price * il.quantity) AS sales
FROM chinook.invoice_line il
JOIN chinook.invoice i ON i.invoice_id = il.invoice_id
JOIN chinook.track t ON t.track_id = il.track_id
JOIN chinook.genre g ON g.genre_id = t.genre_id
WHERE (i.invoice_date AT TIME ZONE 'UTC') >= :period_from::timestamptz
  AND (i.invoice_date AT TIME ZONE 'UTC') < :period_to::timestamptz
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
