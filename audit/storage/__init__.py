"""The SQLite file and nothing else: connection, transactions, migrations, backup."""
