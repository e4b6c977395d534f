"""Values as portal databases hold them, read the way the messaging service reads them
(src/core/portal-values.ts and src/core/phone.ts in the service): language spellings,
channel spellings, phone padding, and the masked form of a number for logs."""
import re
import unicodedata

_LANGUAGES = {
    "ne": "ne", "nep": "ne", "np": "ne", "nepali": "ne", "nepalese": "ne", "नेपाली": "ne",
    "en": "en", "eng": "en", "english": "en", "अंग्रेजी": "en", "अङ्ग्रेजी": "en",
}
_CHANNELS = {"sms": "sms", "text": "sms", "whatsapp": "whatsapp", "whats app": "whatsapp", "wa": "whatsapp"}
_SEPARATORS = ",;:"


def language_of(value):
    """``"en"`` or ``"ne"`` for a language value (``Nepali``, ``np``, ``नेपाली``, ``ne-NP``...), else None."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value).strip().lower().replace("_", "-")
    return _LANGUAGES.get(text) or _LANGUAGES.get(text.split("-")[0])


def channel_of(value):
    """``"sms"`` or ``"whatsapp"`` for a channel value, else None."""
    if not isinstance(value, str):
        return None
    return _CHANNELS.get(re.sub(r"[\s_-]+", " ", value.strip().lower()))


def clean_phone(value):
    """The phone text without database padding or a stray separator at either end ("9841234567; ")."""
    text = "" if value is None else str(value)
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or text[start] in _SEPARATORS):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _SEPARATORS):
        end -= 1
    return text[start:end]


def mask_phone(value, default_region="NP"):
    """``+977******278``: the country code and the last three digits, as the service logs numbers.

    Uses the ``phonenumbers`` library when it is installed; otherwise (or for text that is no
    number) everything but the last two characters is hidden.
    """
    text = clean_phone(value)
    if not text:
        return ""
    try:
        import phonenumbers

        parsed = phonenumbers.parse(text, default_region)
        code = str(parsed.country_code)
        national = str(parsed.national_number)
        return "+" + code + "******" + national[-3:]
    except Exception:  # no library, or not a number: hide it all but the end
        digits = re.sub(r"\D", "", text)
        return "******" + (digits[-2:] if len(digits) >= 8 else "")
