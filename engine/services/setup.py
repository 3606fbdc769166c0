"""Getting a database ready: migrations and the shipped mail templates, the shipped process definitions, the demo
users."""

from engine.services import accounts, mail_templates
from engine.services.context import Supportflow
from engine.store import schema

DEMO_PASSWORD = "demo"
DEMO_USERS = (
    # username, display name, roles, organisation
    ("customer", "Clara Customer", ["customer"], "Acme"),
    ("customer2", "Gordon Globex", ["customer"], "Globex"),
    ("support", "Sam Support", ["support_master"], None),
    ("developer", "Dana Developer", ["developer"], None),
    ("owner", "Otto Owner", ["product_owner"], None),
    ("process", "Petra Process", ["process_owner"], None),
    ("ops", "Olli Ops", ["ops"], None),
    ("admin", "Ada Admin", ["admin"], None),
)


def upgrade_database(sf: Supportflow) -> list[str]:
    """The current schema, and the shipped mail templates (engine.services.mail_templates.load_shipped); returns
    the templates that changed ("name/language")."""
    schema.upgrade(sf.db)
    with sf.db.write() as conn:
        return mail_templates.load_shipped(conn, sf.clock.now())


def deploy_shipped_processes(sf: Supportflow) -> list[dict]:
    """Deploy each processes/*.bpmn whose exact content was never deployed; returns what was new."""
    return sf.definitions.deploy_directory(sf.processes_dir, now=sf.clock.now())


def load_demo_users(sf: Supportflow) -> list[str]:
    created = []
    for username, name, roles, organisation in DEMO_USERS:
        if accounts.user_exists(sf, username):
            continue
        accounts.create_user(sf, username, DEMO_PASSWORD, roles, display_name=name,
                             email=f"{username}@{(organisation or 'supportflow').lower()}.example",
                             organisation=organisation)
        created.append(username)
    return created
