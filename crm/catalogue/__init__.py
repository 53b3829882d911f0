"""The catalogue and stock sub-domain (产品与库存): products, categories, price lists, warehouses,
stock levels and moves. Models live in `crm.models.products`; writes in `services`, reads in
`selectors`."""
