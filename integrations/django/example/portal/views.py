from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAdminUser

from .models import User


@csrf_exempt  # an API-style signup for the example; a real form keeps CSRF
@require_POST
def signup(request):
    """Creates a user. The app's post_save hook queues the messaging registration for after
    the commit: this view neither waits for it nor fails because of it."""
    data = request.POST
    if not data.get("username"):
        return JsonResponse({"error": "username is required"}, status=400)
    with transaction.atomic():
        user = User.objects.create_user(
            username=data["username"],
            password=data.get("password") or None,
            phone_number=data.get("phone_number", ""),
            full_name=data.get("full_name", ""),
            preferred_language=data.get("preferred_language", ""),
        )
    return JsonResponse({"id": user.pk}, status=201)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone_number", "preferred_language", "email"]


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class UserList(ListAPIView):
    """The portal's own API: DRF TokenAuthentication, staff only, its model's field names."""

    queryset = User.objects.order_by("id")
    serializer_class = UserSerializer
    pagination_class = Pages
    permission_classes = [IsAdminUser]
