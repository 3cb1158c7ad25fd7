"""Merge values for previews and test emails: the program's own figures, links that are clearly samples.

A preview or a test shows what a student of *this* program would get, so the mission, its
progress, the count, the window, the offer and the thank-you are the program's (the draft's, in
the editor). Only the person is a sample: the viewer's name and a sample testimonial.

Links depend on where they appear:
- in a preview (inside the editor) they look like the real thing: this site's ``BASE_URL`` with
  ``SAMPLE`` where a student's token or code would be. ``SAMPLE`` holds an L, which no real code
  has (``referrals.services.CODE_ALPHABET``), so it can never open a graduate's link; pages answer it as
  an unknown link.
- in a test email sent to a team member they open mailers' "this is a test link" page, which
  says what the link opens for a student (a team member is no student: a link made up for them
  would act for nobody, or show an error).
"""

from dataclasses import dataclass

from django.urls import reverse

from mailers import test_links
from mailers.rendering import absolute

SAMPLE_CODE = "SAMPLE"  # "L" is not in referrals.services.CODE_ALPHABET: never a graduate's code
SAMPLE_TOKEN = "SAMPLE"  # noqa: S105 - not a secret: an unsigned token the hub answers as not valid
# A sample graduate's words: neutral, so no program's preview borrows another program's story.
SAMPLE_QUOTE = "A few months ago I kept putting it off. Now it is part of my week, and I can see what changed."

HUB_LINK = test_links.register("hub", "the student's personal page (their hub, reached without a password)")
SPECIAL_LINK = test_links.register(
    "special-link", "the graduate's own special link: it counts the visit and opens the friend's landing page"
)


@dataclass(frozen=True)
class SampleLinks:
    """The links of a sample email: real-looking for a preview, test-link pages for a test email."""

    test: bool = False

    def link(self, name: str, path: str) -> str:
        return test_links.url(name) if self.test else absolute(path)

    def hub(self) -> str:
        return self.link(HUB_LINK, reverse("hub", args=[SAMPLE_TOKEN]))

    def special_link(self) -> str:
        return self.link(SPECIAL_LINK, reverse("referral_click", args=[SAMPLE_CODE]))


PREVIEW_LINKS = SampleLinks(test=False)
TEST_LINKS = SampleLinks(test=True)


def mission_progress_line(*, reached: int, unit: str, goal: int | None) -> str:
    """{{ mission_progress }} as the real ask says it (referrals.services.ask_values): "120 parents so
    far, toward 10,000."."""
    if goal:
        return f"{reached:,} {unit} so far, toward {goal:,}."
    return f"{reached:,} {unit} so far."
