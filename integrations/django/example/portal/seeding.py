"""Portal users as real portal databases hold them, generated from their index, with the
outcome each one must get from the messaging service (the truth the end-to-end tests
compare the batch against, computed here, never by the code under test).

Numbers: valid Nepal mobiles in the formats people type and databases keep (padded CHAR
columns, a stray ``;`` or ``,``, Devanagari digits), duplicates of earlier users' numbers,
US numbers, foreign ones (outside ALLOWED_COUNTRIES), landlines, junk, blanks and NULLs.
Languages in the spellings portals keep (ne, Nepali, np, नेपाली, ne-NP, en, English, blank).
"""

NAMES = [
    "Sita Sharma",
    "Ram Bahadur Thapa",
    "सीता शर्मा",
    "हरि प्रसाद अधिकारी",
    "Gita Gurung",
    "Maya Tamang",
    "कमला श्रेष्ठ",
    "Anita Rai",
    "",
    "Bishnu Karki",
]
LANGUAGES = ["ne", "Nepali", "np", "नेपाली", "ne-NP", "en", "English", "", None, "EN"]
NE_SPELLINGS = {"ne", "Nepali", "np", "नेपाली", "ne-NP"}
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def _bucket(index, salt):
    return ((index + 1) * 2654435761 ^ salt * 40503) % 100


def _national(index):
    return "984" + str(index).zfill(7)


def _formats(n):
    return [
        "+977" + n,
        n,
        "0" + n,
        "00977 %s-%s-%s" % (n[:3], n[3:6], n[6:]),
        "%s %s %s" % (n[:3], n[3:6], n[6:]),
        "977" + n,
        n + " " * 60,  # a padded CHAR column
        n + ";",
        n + ",",
        " (+977) " + n + " ",
        n.translate(DEVANAGARI),
    ]


def generate(count):
    """[(fields, truth)] for users 1..count: fields for the User model, truth for the tests."""
    users = []
    last_valid = None
    for index in range(count):
        b = _bucket(index, 7)
        language = LANGUAGES[_bucket(index, 11) % len(LANGUAGES)]
        name = NAMES[_bucket(index, 13) % len(NAMES)]
        e164 = None
        if index == 0 or b < 60:
            category, outcome = "valid", "registered"
            n = _national(index)
            forms = _formats(n)
            phone = forms[index % len(forms)]
            e164 = "+977" + n
            last_valid = n
        elif b < 66:
            category, outcome = "duplicate", "duplicate"
            phone = "+977 " + last_valid
            e164 = "+977" + last_valid
        elif b < 74:
            category, outcome = "us", "registered"
            digits = str(index % 10000).zfill(4)
            phone = "+1 (415) 523-" + digits
            e164 = "+1415523" + digits
        elif b < 80:
            category, outcome = "invalid", "invalid"
            phone = ["12345", "call me", "9841000000, 9851000000", "N/A"][index % 4]
        elif b < 85:
            category, outcome = "foreign", "country_not_allowed"
            phone = "+44 7400 " + str(index % 1000000).zfill(6)
        elif b < 90:
            category, outcome = "landline", "invalid"
            phone = "01-" + str(4400000 + index % 100000)
        else:
            category, outcome = "blank", "invalid"
            phone = "" if index % 2 else None
        fields = {
            "username": "user%05d" % (index + 1),
            "phone_number": phone,
            "full_name": name,
            "preferred_language": language,
        }
        truth = {
            "username": fields["username"],
            "category": category,
            "outcome": outcome,
            "dryRunOutcome": "would_register" if outcome == "registered" else outcome,
            "e164": e164,
            "language": "ne" if language in NE_SPELLINGS else "en",
            "name": name or None,
            # The service greets by name in Nepali, and in English when the name is in Latin
            # letters (an English SMS stays GSM-7: src/core/welcome.ts).
            "welcomeName": name if name and (language in NE_SPELLINGS or name.isascii()) else None,
        }
        users.append((fields, truth))
    return users
