"""Projects (/projects/): the staff pages. Rules live in projects.services; these modules only
read the request and render."""
