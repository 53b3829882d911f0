"""The marketing sub-domain (市场): campaigns with their members, tasks, costs and mailings;
competitors and partners (竞争对手/合作伙伴) with cooperation records; expense claims (费用) and
their approval; favourite groups (客户分组) used as mailing and campaign audiences. Modules as
elsewhere: services (writes), selectors (reads)."""
