"""The KBO/BCE open-data extract: its files, their checks, and the import into organisations.

`layout` says what each file holds; `reader` reads and checks it row by row; `staging`
sorts the checked rows by enterprise on disk (DuckDB); `state` is one enterprise's rows,
which an update extract edits; `derive` turns them into an organisation; `nace` turns
code.csv into the `nace` scheme; `writer` writes to the database; `importer` runs it all
in one transaction; `generator` writes a realistic fictitious extract.
"""
