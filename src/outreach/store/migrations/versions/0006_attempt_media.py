"""Media uploaded by a publish attempt, so images of a post never made can be deleted.

``attempt.media`` holds a JSON list of the platform's media ids the attempt
uploaded (WordPress: card images in the media library). Reconciliation deletes
those that belong to no post.

Revision ID: 0006_attempt_media
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_attempt_media"
down_revision = "0005_inbox_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt") as batch:
        batch.add_column(sa.Column("media", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("attempt") as batch:
        batch.drop_column("media")
