"""Field service (上门服务): the dispatch board, the technician's day, work records with parts and the
customer's confirmation, and product issues handed to product development."""
