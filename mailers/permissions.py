"""Admin permissions: a policy for records the engine writes and people only read (used by every
append-only log in the admin: the journey log, the message log), and the pages a user may edit.
"""

from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Anyone who may view or change the model may look; nobody adds, edits or deletes by hand."""

    def user_has_permission(self, user, action):
        if action != "view":
            return False
        return super().user_has_permission(user, "view") or super().user_has_permission(user, "change")


def pages_user_can_edit(user, page_model):
    """The pages of ``page_model`` this user may edit or publish (Wagtail page permissions, so a
    group's permission on a parent covers its programs; a superuser may edit all)."""
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(user, ["change", "publish"])
    return page_model.objects.filter(pk__in=editable.values("pk")).order_by("title")
