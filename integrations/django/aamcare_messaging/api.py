"""The users endpoint the service's batch pages (its PORTAL_API_URL): Django REST Framework's
PageNumberPagination over the user model in primary-key order, each user in the shape the batch
reads by default (id, phone, name, language, channel, timezone), so the service needs no
PORTAL_*_FIELD setting for it.

Authentication: with AAMCARE_PORTAL_API_TOKEN set, exactly that token (``Authorization:
Token <it>`` or ``Bearer``, compared in constant time; the service's PORTAL_API_TOKEN).
Without it, the project's DRF authentication (e.g. TokenAuthentication) and staff users only.
"""
import hmac

from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAdminUser

from . import conf
from .fields import user_row


class PortalUserSerializer(serializers.BaseSerializer):
    def to_representation(self, instance):
        return user_row(instance)


class UsersPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"  # the batch asks for its page size
    max_page_size = 500


class ServiceToken:
    """The caller presented AAMCARE_PORTAL_API_TOKEN (request.auth); no user."""


class ServiceTokenAuthentication(BaseAuthentication):
    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        expected = conf.api_token().encode()
        if not expected or not hmac.compare_digest(parts[1], expected):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return (None, ServiceToken())

    def authenticate_header(self, request):
        return "Token"


class HasServiceToken(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ServiceToken)


class PortalUserList(ListAPIView):
    serializer_class = PortalUserSerializer
    pagination_class = UsersPagination

    def get_queryset(self):
        return conf.user_model()._default_manager.order_by("pk")

    def get_authenticators(self):
        if conf.api_token():
            return [ServiceTokenAuthentication()]
        return super().get_authenticators()

    def get_permissions(self):
        if conf.api_token():
            return [HasServiceToken()]
        return [IsAdminUser()]
