"""Process definitions, the designer's side: validation reports, deploys, forms, start bindings."""
