from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A portal user as the seed's portal stores them: the number as typed, a full name, a language."""

    phone_number = models.CharField(max_length=100, blank=True, null=True)
    full_name = models.CharField(max_length=150, blank=True)
    preferred_language = models.CharField(max_length=20, blank=True, null=True)
