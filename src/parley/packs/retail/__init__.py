"""RetailCo: orders, deliveries, returns, payments."""
