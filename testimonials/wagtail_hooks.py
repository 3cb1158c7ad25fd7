from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from testimonials import admin_moderation
from testimonials.admin_policy import KeptRecordsPolicy
from testimonials.admin_support import SupportCaseViewSet
from testimonials.models import SupportCase

register_permission_policy(SupportCase, KeptRecordsPolicy(SupportCase))  # cases open from feedback only
register_snippet(SupportCaseViewSet)
admin_moderation.register()
