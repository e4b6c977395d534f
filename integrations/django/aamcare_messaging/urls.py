"""``path("aamcare/", include("aamcare_messaging.urls"))`` serves /aamcare/users/ (the service's PORTAL_API_URL)."""
from django.urls import path

from .api import PortalUserList

app_name = "aamcare_messaging"
urlpatterns = [path("users/", PortalUserList.as_view(), name="users")]
