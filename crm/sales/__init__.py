"""The sales sub-domain (线索 → 销售机会 → 联系记录): what the sales workspace adds on top of
crm.models.sales and crm.services.sales — lead capture and assignment, the pipeline board, the
calendar. Modules as elsewhere: services (writes), selectors (reads)."""
