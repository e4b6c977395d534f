from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

TOKEN = "p" * 40


@override_settings(AAMCARE_PORTAL_API_TOKEN=TOKEN)
class UsersEndpointTests(TestCase):
    """/aamcare/users/: what the service's batch pages (its PORTAL_API_URL)."""

    @classmethod
    def setUpTestData(cls):
        User = get_user_model()
        rows = [
            ("9841000001" + " " * 60, "सीता शर्मा", "नेपाली"),
            ("9841000002;", "Ram   Thapa", "English"),
            (None, "", None),
            ("+1 (415) 523-0001", "Gita", "ne-NP"),
            ("9841000005", "x" * 130, "fr"),
        ]
        cls.users = [
            User.objects.create(username="u%d" % i, phone_number=p, full_name=n, preferred_language=l, password="!")
            for i, (p, n, l) in enumerate(rows)
        ]

    def client_with(self, header):
        client = APIClient()
        if header:
            client.credentials(HTTP_AUTHORIZATION=header)
        return client

    def test_the_service_token_is_required(self):
        for header in [None, "Token wrong", "Token", "Basic " + TOKEN]:
            self.assertIn(self.client_with(header).get("/aamcare/users/").status_code, (401, 403), header)
        self.assertEqual(self.client_with("Token " + TOKEN).get("/aamcare/users/").status_code, 200)
        self.assertEqual(self.client_with("Bearer " + TOKEN).get("/aamcare/users/").status_code, 200)

    def test_users_in_the_shape_the_batch_reads_with_drf_pages(self):
        client = self.client_with("Token " + TOKEN)
        first = client.get("/aamcare/users/?page_size=2").json()
        self.assertEqual(first["count"], 5)
        self.assertIsNone(first["previous"])
        self.assertRegex(first["next"], r"/aamcare/users/\?page=2&page_size=2$")
        self.assertEqual(
            first["results"],
            [
                {"id": str(self.users[0].pk), "phone": "9841000001", "name": "सीता शर्मा", "language": "ne", "channel": None, "timezone": None},
                {"id": str(self.users[1].pk), "phone": "9841000002", "name": "Ram Thapa", "language": "en", "channel": None, "timezone": None},
            ],
        )
        rows = first["results"]
        url = first["next"]
        while url:
            page = client.get(url).json()
            rows += page["results"]
            url = page["next"]
        self.assertEqual([r["id"] for r in rows], [str(u.pk) for u in self.users])
        self.assertEqual(rows[2]["phone"], "")
        self.assertEqual(rows[3]["language"], "ne")
        self.assertIsNone(rows[4]["language"])  # unknown: the service's default
        self.assertEqual(len(rows[4]["name"]), 100)
        self.assertEqual(client.get("/aamcare/users/?page_size=5000").json()["results"].__len__(), 5)  # max 500

    @override_settings(AAMCARE_PORTAL_API_TOKEN="")
    def test_without_the_setting_drf_authentication_and_staff_only(self):
        User = get_user_model()
        staff = User.objects.create(username="batch", is_staff=True, password="!")
        plain = User.objects.create(username="plain", password="!")
        staff_token = Token.objects.create(user=staff)
        plain_token = Token.objects.create(user=plain)
        self.assertEqual(self.client_with("Token " + staff_token.key).get("/aamcare/users/").status_code, 200)
        self.assertEqual(self.client_with("Token " + plain_token.key).get("/aamcare/users/").status_code, 403)
        self.assertEqual(self.client_with(None).get("/aamcare/users/").status_code, 401)


@override_settings(AAMCARE_USER_FIELDS={"phone": "phone_number", "name": "username", "language": None, "timezone": "last_name"})
class FieldMappingTests(TestCase):
    def test_fields_come_from_the_mapping_and_a_bad_time_zone_is_dropped(self):
        from aamcare_messaging.fields import registration_fields, user_row

        User = get_user_model()
        good = User(pk=7, username="asha", phone_number=" 9841000007 ", last_name="America/New_York")
        bad = User(pk=8, username="bina", phone_number="9841000008", last_name="Mars/Base")
        self.assertEqual(
            user_row(good),
            {"id": "7", "phone": "9841000007", "name": "asha", "language": None, "channel": None, "timezone": "America/New_York"},
        )
        self.assertEqual(registration_fields(bad, resubscribe=True), {"user_id": "8", "phone": "9841000008", "name": "bina", "resubscribe": "true"})
