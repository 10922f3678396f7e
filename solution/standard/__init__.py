"""The generator of the standard tables, ``solution/tables/standard/<table>.toml`` (the command:
``python -m solution.standard_tables``).

``tables`` lists the tables it makes, ``cdm`` reads their columns from Microsoft's Common Data Model documents,
``reference`` merges in the facts of Microsoft's table reference pages, ``toml_text`` writes the files and ``model``
holds the records they pass between them.
"""
