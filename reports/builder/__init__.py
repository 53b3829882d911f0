"""The report builder: a whitelist of fields per entity (`registry`), a report spec parsed from
plain JSON with located errors (`spec`), and its run over the rows the viewer may see (`run`)."""
