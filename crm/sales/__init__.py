"""The sales sub-domain (线索 → 销售机会 → 联系记录): leads (capture, assignment, import, convert),
opportunities, activities, the pipeline board and the win/loss reasons. Modules as elsewhere:
services (writes), selectors (reads); the models stay in crm.models.sales."""
