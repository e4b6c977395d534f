from django.test import SimpleTestCase
from twilio.request_validator import RequestValidator

from aamcare_messaging.signing import endpoint, sign, signed_form
from aamcare_messaging.values import channel_of, clean_phone, language_of, mask_phone


class SigningTests(SimpleTestCase):
    def test_the_signature_is_twilios_and_the_service_check_accepts_it(self):
        url = "https://aamcare-1234.twil.io/register"
        params = {"user_id": "17", "phone": "9841000000", "name": "सीता", "timestamp": "1764000000"}
        signature = sign(url, params, "w" * 40)
        self.assertEqual(signature, RequestValidator("w" * 40).compute_signature(url, params))
        self.assertTrue(RequestValidator("w" * 40).validate(url, params, signature))
        self.assertFalse(RequestValidator("w" * 40).validate(url + "/", params, signature))
        self.assertFalse(RequestValidator("x" * 40).validate(url, params, signature))

    def test_the_url_signed_is_the_base_url_plus_the_path(self):
        self.assertEqual(endpoint("https://svc.twil.io", "register"), "https://svc.twil.io/register")
        self.assertEqual(endpoint(" https://svc.twil.io/ ", "/register"), "https://svc.twil.io/register")
        with self.assertRaises(ValueError):
            endpoint("https://svc.twil.io/?x=1", "register")

    def test_a_signed_form_carries_a_fresh_timestamp_and_drops_empty_values(self):
        params, headers = signed_form("https://svc/register", {"user_id": 1, "phone": "98", "name": None}, "k" * 32, now=1764000000.7)
        self.assertEqual(params, {"user_id": "1", "phone": "98", "timestamp": "1764000000"})
        self.assertEqual(headers["X-Portal-Signature"], RequestValidator("k" * 32).compute_signature("https://svc/register", params))
        with self.assertRaises(ValueError):
            sign("https://svc/register", params, "")


class ValueTests(SimpleTestCase):
    def test_languages_as_portals_spell_them(self):
        for value, expected in [
            ("ne", "ne"), ("Nepali", "ne"), ("np", "ne"), ("नेपाली", "ne"), ("ne-NP", "ne"), ("ne_NP", "ne"),
            ("en", "en"), ("English", "en"), ("en-US", "en"), ("fr", None), ("", None), (None, None), (3, None),
        ]:
            self.assertEqual(language_of(value), expected, value)

    def test_channels(self):
        for value, expected in [("SMS", "sms"), ("text", "sms"), ("WhatsApp", "whatsapp"), ("whats_app", "whatsapp"), ("wa", "whatsapp"), ("fax", None), (None, None)]:
            self.assertEqual(channel_of(value), expected, value)

    def test_phone_padding_and_stray_separators_go(self):
        self.assertEqual(clean_phone("9841000000" + " " * 60), "9841000000")
        self.assertEqual(clean_phone(" 9841000000; "), "9841000000")
        self.assertEqual(clean_phone(",9841000000,"), "9841000000")
        self.assertEqual(clean_phone("9841000000, 9851000000"), "9841000000, 9851000000")
        self.assertEqual(clean_phone(None), "")

    def test_numbers_are_masked_as_the_service_masks_them(self):
        self.assertEqual(mask_phone("9807969278"), "+977******278")
        self.assertEqual(mask_phone("+14155238886"), "+1******886")
        self.assertEqual(mask_phone("९८०७९६९२७८;"), "+977******278")
        self.assertEqual(mask_phone("call me"), "******")
        self.assertEqual(mask_phone(""), "")
