"""covering indexes for set-based evaluation (覆盖索引)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:00:00

The year's figures of every unit (``year = Y``, optionally one indicator) and the series of one unit
and indicator are read from the index alone, without visiting the table: (year, indicator, unit,
period, value) replaces (indicator, year), and (unit, indicator, year, period, value) sits beside the
unique (unit, indicator, period). Both only over region figures (``facility_id IS NULL``).
The fingerprint of a unit's figures (count, largest id, sum of versions, latest change: see
``store.cache``) is read from (unit, updated_at, version, id), which replaces the plain (unit) index.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

WHERE = sa.text("facility_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_year')
        batch_op.drop_index('ix_observation_org_unit_id')
    op.create_index('ix_observation_unit_revision', 'observation', ['org_unit_id', 'updated_at', 'version', 'id'])
    op.create_index('ix_observation_year_value', 'observation',
                    ['year', 'indicator_id', 'org_unit_id', 'period', 'value'],
                    sqlite_where=WHERE, postgresql_where=WHERE)
    op.create_index('ix_observation_unit_value', 'observation',
                    ['org_unit_id', 'indicator_id', 'year', 'period', 'value'],
                    sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index('ix_observation_unit_revision', table_name='observation')
    op.create_index('ix_observation_org_unit_id', 'observation', ['org_unit_id'])
    op.drop_index('ix_observation_unit_value', table_name='observation')
    op.drop_index('ix_observation_year_value', table_name='observation')
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.create_index('ix_observation_year', ['indicator_id', 'year'], unique=False)
