"""A time zone for a creator's country, used when the creator's own zone is unknown."""

from __future__ import annotations

# Countries spanning several zones (US, CA, MX, BR, AU, RU, ID, ...) get the zone where
# most of their people live: a guess. The creator's own timezone column is better and
# always wins (see timing.recipient_zone).
_ZONES = {
    # East and South-East Asia
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "CN": "Asia/Shanghai",
    "TW": "Asia/Taipei",
    "HK": "Asia/Hong_Kong",
    "MO": "Asia/Macau",
    "MN": "Asia/Ulaanbaatar",
    "SG": "Asia/Singapore",
    "TH": "Asia/Bangkok",
    "VN": "Asia/Ho_Chi_Minh",
    "ID": "Asia/Jakarta",
    "PH": "Asia/Manila",
    "MY": "Asia/Kuala_Lumpur",
    "KH": "Asia/Phnom_Penh",
    "MM": "Asia/Yangon",
    # South and West Asia, Middle East
    "IN": "Asia/Kolkata",
    "PK": "Asia/Karachi",
    "BD": "Asia/Dhaka",
    "LK": "Asia/Colombo",
    "NP": "Asia/Kathmandu",
    "AE": "Asia/Dubai",
    "SA": "Asia/Riyadh",
    "QA": "Asia/Qatar",
    "KW": "Asia/Kuwait",
    "IL": "Asia/Jerusalem",
    "TR": "Europe/Istanbul",
    "KZ": "Asia/Almaty",
    # Europe
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg",
    "CH": "Europe/Zurich",
    "AT": "Europe/Vienna",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki",
    "IS": "Atlantic/Reykjavik",
    "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest",
    "RO": "Europe/Bucharest",
    "BG": "Europe/Sofia",
    "GR": "Europe/Athens",
    "HR": "Europe/Zagreb",
    "SI": "Europe/Ljubljana",
    "RS": "Europe/Belgrade",
    "EE": "Europe/Tallinn",
    "LV": "Europe/Riga",
    "LT": "Europe/Vilnius",
    "UA": "Europe/Kyiv",
    "RU": "Europe/Moscow",
    # Africa
    "EG": "Africa/Cairo",
    "MA": "Africa/Casablanca",
    "NG": "Africa/Lagos",
    "GH": "Africa/Accra",
    "KE": "Africa/Nairobi",
    "ZA": "Africa/Johannesburg",
    # Americas
    "US": "America/New_York",
    "CA": "America/Toronto",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
    "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "PE": "America/Lima",
    "VE": "America/Caracas",
    "EC": "America/Guayaquil",
    "UY": "America/Montevideo",
    "CR": "America/Costa_Rica",
    "PR": "America/Puerto_Rico",
    "DO": "America/Santo_Domingo",
    # Oceania
    "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland",
}


def timezone_for_country(code: str) -> str | None:
    """The IANA zone for a two-letter country code (any case), or None when not known."""
    return _ZONES.get(code.strip().upper())
