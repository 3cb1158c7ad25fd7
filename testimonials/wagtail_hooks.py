"""Admin: the support queue and the testimonial moderation queue, as model viewsets (records that come
from students, not content: no snippets, no revisions)."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from mailers.permissions import ViewOnlyPolicy
from testimonials.admin_feedback import FeedbackViewSet
from testimonials.admin_moderation import TestimonialViewSet
from testimonials.admin_policy import KeptRecordsPolicy
from testimonials.admin_support import SupportCaseViewSet
from testimonials.models import FeedbackResponse, SupportCase, Testimonial

register_permission_policy(SupportCase, KeptRecordsPolicy(SupportCase))  # cases open from feedback only
register_permission_policy(Testimonial, KeptRecordsPolicy(Testimonial))  # testimonials come from students
register_permission_policy(FeedbackResponse, ViewOnlyPolicy(FeedbackResponse))  # answers come from students


@hooks.register("register_admin_viewset")
def register_queues():
    return [FeedbackViewSet(), SupportCaseViewSet(), TestimonialViewSet()]
