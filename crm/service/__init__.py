"""The service desk: complaints and service requests worked from their record (replies to the
customer, internal comments, merging duplicates) and consultations (pre- and after-sale questions
that may become a lead, an opportunity or a service request)."""
