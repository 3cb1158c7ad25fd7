"""Who may do what in the admin with records that come from students."""

from wagtail.permission_policies import ModelPermissionPolicy


class KeptRecordsPolicy(ModelPermissionPolicy):
    """Testimonials and support cases come from students: the team views them and changes them
    through their services (moderation, assignment, resolution), but never adds one by hand (a
    case has no student or feedback to stand on) or deletes one (no feedback is ever deleted to
    make the numbers look better)."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)
