"""The organisation: users, departments, positions, employees, nested groups and roles."""
