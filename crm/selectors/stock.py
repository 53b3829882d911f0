"""Reads of stock moved to `crm.catalogue.selectors`; the names stay importable from here."""

from ..catalogue.selectors import order_reservations, stock_levels

__all__ = ["order_reservations", "stock_levels"]
