"""audit hardening: hash chain, no REPLACE/insert over an id, PostgreSQL owner and application roles

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

SQLite: ``INSERT OR REPLACE``/``REPLACE`` deletes the old row without firing DELETE triggers
(unless ``PRAGMA recursive_triggers`` is on), so the 0002 triggers let it rewrite a row. A
BEFORE INSERT trigger now refuses any insert whose id already exists, which refuses REPLACE,
``INSERT OR IGNORE`` and ``ON CONFLICT DO UPDATE`` over an existing entry too.

PostgreSQL: a statement trigger also refuses TRUNCATE; and, when the connected role may create
roles, the roles ``tracker_owner`` (owns the tables; run migrations as it or as a superuser) and
``tracker_app`` (the application: normal rights on every table, but only SELECT and INSERT on
audit_log; it owns nothing, so it cannot TRUNCATE, DELETE, UPDATE or disable triggers) are
created if absent (both NOLOGIN: the administrator gives ``tracker_app`` a password, see
README). Without the right to create roles the migration prints the SQL to run instead.

Existing entries get their hash chain (db/audit_chain.py) here, in id order.
"""

import sqlalchemy as sa
from alembic import op

from db import audit_chain

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OWNER_ROLE = "tracker_owner"
APP_ROLE = "tracker_app"

_NO_INSERT_OVER_ID = (
    "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("entry_hash", sa.String(64), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    _backfill_chain()
    if sqlite:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
        op.execute(_NO_INSERT_OVER_ID)
        return
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )
    _postgres_roles()


def _backfill_chain() -> None:
    columns = [sa.column("id", sa.Integer)]
    types = {"at": sa.DateTime, "before": sa.JSON, "after": sa.JSON}
    columns += [sa.column(name, types.get(name, sa.Text)) for name in audit_chain.HASHED_FIELDS]
    table = sa.table("audit_log", *columns, sa.column("prev_hash"), sa.column("entry_hash"))
    bind = op.get_bind()
    prev = audit_chain.GENESIS
    rows = bind.execute(sa.select(*columns).order_by(table.c.id)).mappings().all()
    for row in rows:
        digest = audit_chain.entry_hash(prev, dict(row))
        bind.execute(
            table.update().where(table.c.id == row["id"]).values(prev_hash=prev, entry_hash=digest)
        )
        prev = digest


def _postgres_roles() -> None:
    bind = op.get_bind()
    me = bind.execute(
        sa.text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).one()
    existing = set(
        bind.execute(
            sa.text("SELECT rolname FROM pg_roles WHERE rolname IN (:o, :a)"),
            {"o": OWNER_ROLE, "a": APP_ROLE},
        ).scalars()
    )
    if existing != {OWNER_ROLE, APP_ROLE} and not (me.rolsuper or me.rolcreaterole):
        print(
            "[质量目标监测平台] 当前数据库账户无权创建角色，未设置审计日志的数据库权限。"
            "请由数据库管理员执行：\n"
            f"  CREATE ROLE {OWNER_ROLE} NOLOGIN; CREATE ROLE {APP_ROLE} NOLOGIN;\n"
            f"  GRANT {OWNER_ROLE} TO <运行迁移的账户>;\n"
            "然后重新运行 python manage.py init-db（详见 README“PostgreSQL 账户”）。",
            flush=True,
        )
        return
    for role in (OWNER_ROLE, APP_ROLE):
        # Roles are cluster-wide: another database's migration may create them at the same moment.
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} NOLOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    me_name = bind.execute(sa.text("SELECT current_user")).scalar()
    if not me.rolsuper:
        op.execute(f'GRANT {OWNER_ROLE} TO "{me_name}"')
    # The application role must own nothing and be no member of the owner.
    member = bind.execute(
        sa.text("SELECT pg_has_role(:a, :o, 'MEMBER')"), {"a": APP_ROLE, "o": OWNER_ROLE}
    ).scalar()
    if member:
        op.execute(f"REVOKE {OWNER_ROLE} FROM {APP_ROLE}")
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar()
    op.execute(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO {OWNER_ROLE}')
    op.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {APP_ROLE}')
    tables = bind.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema})
    tables = tables.scalars().all()
    for name in tables:
        op.execute(f'ALTER TABLE "{schema}"."{name}" OWNER TO {OWNER_ROLE}')  # and the sequences it owns
    op.execute(f"ALTER FUNCTION audit_log_append_only() OWNER TO {OWNER_ROLE}")
    for name in tables:
        rights = {"audit_log": "SELECT, INSERT", "alembic_version": "SELECT"}.get(
            name, "SELECT, INSERT, UPDATE, DELETE"
        )
        op.execute(f'REVOKE ALL ON "{schema}"."{name}" FROM {APP_ROLE}')
        op.execute(f'GRANT {rights} ON "{schema}"."{name}" TO {APP_ROLE}')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {APP_ROLE}')
    # Tables and sequences later migrations create (as the owner or as this role): normal rights.
    for creator in sorted({OWNER_ROLE, me_name}):
        for what, rights in (("TABLES", "SELECT, INSERT, UPDATE, DELETE"), ("SEQUENCES", "USAGE, SELECT")):
            op.execute(
                f'ALTER DEFAULT PRIVILEGES FOR ROLE "{creator}" IN SCHEMA "{schema}" '
                f"GRANT {rights} ON {what} TO {APP_ROLE}"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    # The roles are cluster-wide and may serve other databases: they are left in place.
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
    if sqlite:  # a batch rebuild drops the table's triggers: put 0002's back
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
