"""The database: schema, migrations and every query. Nothing outside store/ writes SQL."""
