from django.contrib import admin

from .models import MessagingRegistration


@admin.register(MessagingRegistration)
class MessagingRegistrationAdmin(admin.ModelAdmin):
    list_display = ("user_id", "phone_masked", "status", "detail", "attempts", "updated_at")
    list_filter = ("status",)
    search_fields = ("user_id",)
    readonly_fields = list_display + ("created_at",)

    def has_add_permission(self, request):
        return False
