"""One module per analysis family; each returns statistics rows (cartcyto.records) and tables."""
