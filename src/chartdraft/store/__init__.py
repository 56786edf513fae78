"""Storage: SQLAlchemy tables, repositories, migrations, field encryption and the audit chain."""
