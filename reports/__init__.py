"""Reports: sales funnel, sales, receivables, service, process KPIs and customers, aggregated in SQL,
scoped by `visible_to`, shown with charts and exported to Excel."""
