from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("signup/", views.signup, name="signup"),
    # The portal's own user API, as it was before the app (field names of its model).
    path("api/users/", views.UserList.as_view(), name="users"),
    # The app's users endpoint for the messaging service's batch.
    path("aamcare/", include("aamcare_messaging.urls")),
]
