"""gateway: import jobs listed newest first, the owner of a LinkedIn export, refused events counted

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("import_job", sa.Column("events_refused", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("import_job", sa.Column("owner_sha256", sa.String(length=64), nullable=True))
    op.add_column("import_job", sa.Column("conflict", sa.JSON(), nullable=True))
    op.create_index("ix_import_job_created", "import_job", ["tenant_id", "created_at"])
    op.create_index("ix_import_job_owner", "import_job", ["tenant_id", "owner_sha256"])

