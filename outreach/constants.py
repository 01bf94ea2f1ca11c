"""Constants gathered in one place, each carrying its unit."""

DEFAULT_DATABASE_FILENAME = "outreach.db"
CAPTURE_DIRNAME = "outbox-capture"
TEMPLATES_DIRNAME = "templates/messages"
CONTACTS_DIRNAME = "contacts"
SCHEDULES_DIRNAME = "schedules"
ENV_FILENAME = ".env"

DEFAULT_LANGUAGE = "en"
DEFAULT_SMTP_TIMEOUT_SECONDS = 30.0
SMTP_SEND_ATTEMPTS = 3
SMTP_RETRY_BASE_SECONDS = 2.0
SMTP_RETRY_FACTOR = 3.0

# langdetect needs a little text before its answer means anything.
LANGUAGE_MIN_LETTERS = 20
LANGUAGE_MIN_LETTERS_CJK = 8
LANGUAGE_MIN_PROBABILITY = 0.90
LANGUAGE_DETECTION_SEED = 0

TIER_BOUNDS_FOLLOWERS = (("nano", 1_000), ("micro", 100_000), ("macro", 1_000_000))
TIER_ABOVE_ALL = "mega"

MASK = "********"

DEFAULT_COOL_OFF_DAYS = 90
DEFAULT_RIGHTS_WARN_DAYS = 14  # warn this many days before usage rights expire

# The daemon.
LEASE_SECONDS = 300
# How a one-off `outreach send` names its lease (a worker's is host:pid:token).
ONE_OFF_LEASE_PREFIX = "send:"
HEARTBEAT_SECONDS = 10
DEAD_WORKER_SECONDS = 45  # a worker silent this long died; its sends become "unknown"
PLAN_INTERVAL_SECONDS = 30
SEND_INTERVAL_SECONDS = 2
SYNC_INTERVAL_SECONDS = 60
# Never send blind: campaign messages wait for an inbox read after they became due and
# younger than this; a worker reads the inbox before sending when its last read is older
# than INBOX_REREAD_SECONDS, and looks again at a waiting message this much later.
DEFAULT_INBOX_FRESH_MINUTES = 10
INBOX_REREAD_SECONDS = 60
INBOX_RECHECK_SECONDS = 60
RETRY_BASE_SECONDS = 60.0
RETRY_FACTOR = 2.0
RETRY_MAX_SECONDS = 3600.0
RETRY_DEADLINE_SECONDS = 24 * 3600.0

# The usual port of each protocol by how it is secured (none, starttls, tls).
DEFAULT_PORTS = {
    "SMTP": {"none": 25, "starttls": 587, "tls": 465},
    "IMAP": {"none": 143, "starttls": 143, "tls": 993},
}
# Temporary refusals in a row (4xx) after which a mailbox pauses as if it could not log in.
SENDER_TEMPORARY_FAILURES = 3
# The kind of an inbound message that failed unexpectedly: set aside, the sync goes on.
QUARANTINED = "quarantined"
