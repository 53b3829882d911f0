"""CRM: customers, contacts, leads/opportunities, orders, contracts, payments, products, service."""
