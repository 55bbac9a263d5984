-- Hand-written SQL for a representative set of the example rules, as a person would write them
-- against the segflow schema (joins and GROUP BY, not the compiler's correlated subqueries).
-- `:now` is the evaluation time in unix milliseconds. Each query returns customer ids. Derived
-- fields (orders_count, total_spent, aov, last_order_at) count only orders that are purchases
-- (`counted = 1`: not cancelled or voided), net of `refunded`; collections see every order.
-- The benchmark checks that every query returns exactly as many customers as segflow.

-- name: frequent_buyers
SELECT customer FROM orders
WHERE placed_at >= :now - 365 * 86400000
GROUP BY customer HAVING COUNT(*) >= 4;

-- name: high_aov
SELECT customer FROM orders WHERE counted = 1
GROUP BY customer HAVING COUNT(*) >= 2 AND AVG(total - refunded) / 100.0 > 150;

-- name: first_time_buyers
SELECT customer FROM orders WHERE counted = 1 GROUP BY customer HAVING COUNT(*) = 1;

-- name: lapsed_6_months
SELECT o.customer FROM orders o JOIN customers c ON c.id = o.customer
WHERE c.accepts_marketing = 1 AND o.counted = 1
GROUP BY o.customer HAVING (:now - MAX(o.placed_at)) / 86400000.0 > 180;

-- name: vip
SELECT customer FROM orders
GROUP BY customer
HAVING SUM(CASE WHEN counted = 1 THEN total - refunded ELSE 0 END) / 100.0 > 1000
    OR SUM(CASE WHEN placed_at >= :now - 365 * 86400000 THEN total ELSE 0 END) / 100.0 > 500;

-- name: abandoned_checkout
SELECT DISTINCT e.customer FROM events e
WHERE e.type = 'checkout_started' AND e.occurred_at >= :now - 86400000
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer = e.customer AND o.placed_at >= :now - 86400000);

-- name: runners
SELECT id FROM customers WHERE EXISTS (SELECT 1 FROM json_each(tags) WHERE value = 'runner')
UNION
SELECT id FROM customers WHERE EXISTS (SELECT 1 FROM json_each(attributes, '$.interests') WHERE value = 'running')
UNION
SELECT o.customer FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product
WHERE p.category = 'running shoes' AND o.placed_at >= :now - 365 * 86400000;

-- name: north_america
SELECT id FROM customers WHERE country IN ('US', 'CA');

-- name: price_sensitive
SELECT customer FROM orders GROUP BY customer
HAVING SUM(counted) >= 2 AND SUM(discount > 0) * 1.0 / SUM(counted) >= 0.5;

-- name: browsed_never_bought
SELECT customer FROM events WHERE type = 'product_viewed'
GROUP BY customer HAVING COUNT(*) >= 3
   AND customer NOT IN (SELECT customer FROM orders WHERE counted = 1);
