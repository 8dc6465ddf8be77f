"""One module per analysis family; each returns statistics rows (cartcyto.report.rows) and tables."""
