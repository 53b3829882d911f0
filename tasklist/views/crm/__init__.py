"""Staff CRM screens: customer list and card, new/edit, merge, pool, import, record pages.

Thin views: reads through crm.selectors (scoped by `visible_to`), writes through crm.services;
a domain error is shown where it belongs (a field, a message), never as a 500.
"""
