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
