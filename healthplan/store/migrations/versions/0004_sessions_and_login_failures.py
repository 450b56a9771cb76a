"""session revocation and a login limit shared by server processes (会话撤销、登录限制)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:10:00

``app_user.session_epoch`` is written into each session at sign-in; raising it (password reset,
deactivation) ends every open session of the user at its next request, in every server process.
``login_failure`` holds failed sign-ins so that ``healthplan serve --workers N`` counts them once,
not once per process.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('login_failure',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('username', sa.String(length=100), nullable=False),
                    sa.Column('ip', sa.String(length=64), nullable=False),
                    sa.Column('at', sa.Float(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_login_failure_key', 'login_failure', ['username', 'ip', 'at'])
    op.create_index('ix_login_failure_at', 'login_failure', ['at'])


def downgrade() -> None:
    op.drop_index('ix_login_failure_at', table_name='login_failure')
    op.drop_index('ix_login_failure_key', table_name='login_failure')
    op.drop_table('login_failure')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
