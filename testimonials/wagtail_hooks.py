from wagtail.snippets.models import register_snippet

from testimonials import admin_moderation
from testimonials.admin_support import SupportCaseViewSet

register_snippet(SupportCaseViewSet)
admin_moderation.register()
