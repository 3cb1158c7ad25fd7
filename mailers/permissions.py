"""A Wagtail permission policy for records the engine writes and people only read.

Used by every append-only log in the admin (the journey log, the message log).
"""

from wagtail.permission_policies import ModelPermissionPolicy


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Anyone who may view or change the model may look; nobody adds, edits or deletes by hand."""

    def user_has_permission(self, user, action):
        if action != "view":
            return False
        return super().user_has_permission(user, "view") or super().user_has_permission(user, "change")
