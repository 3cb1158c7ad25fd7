"""Feedback, testimonial and support-case email kinds and their default copy."""

from mailers.kinds import EmailKind
from mailers.models import Category

FEEDBACK_BODY = """{intro}

Click a number (0 = not at all likely, 10 = extremely likely):

{{{{ score_links }}}}

After your click you can tell us more, in your own words. Every answer is read by a person."""

TESTIMONIAL_BODY = """{intro}

Write or edit it here (it takes two minutes, and you choose how your name appears):
{{{{ testimonial_url }}}}

You can change your mind at any time from the same page: edit it, or withdraw it."""

FEEDBACK_EMAIL = EmailKind(
    name="feedback_request",
    category=Category.PROGRAM,
    description="The 0–10 feedback request (the creator writes the subject and intro).",
)

TESTIMONIAL_EMAIL = EmailKind(
    name="testimonial_request",
    category=Category.PROGRAM,
    description="The testimonial request to a happy student (the creator writes the subject and intro).",
)

CASE_EMAIL = EmailKind(
    name="support_case_opened",
    category=Category.TRANSACTIONAL,
    description="To the program's support address when an unhappy student's case opens.",
    subject="Support case #{{ case_id }}: {{ student_name }} in {{ program_title }}",
    body="A student gave unhappy feedback and needs a person.\n\nStudent: {{ student_name }} "
    "<{{ student_email }}>\nProgram: {{ program_title }}\nScore: {{ score }}/10\nWhy: {{ reason }}\n\n"
    "What they wrote:\n{{ student_words }}\n\nOpen the case: {{ case_url }}",
)

CASE_UPDATE_EMAIL = EmailKind(
    name="support_case_updated",
    category=Category.TRANSACTIONAL,
    description="To the program's support address when the student adds more on the vent page.",
    subject="Support case #{{ case_id }}: {{ student_name }} added more",
    body="{{ student_name }} <{{ student_email }}> added this to support case #{{ case_id }} "
    "({{ program_title }}):\n\n{{ added_words }}\n\nEverything they told us so far:\n{{ student_words }}"
    "\n\nOpen the case: {{ case_url }}",
)

# Registered in the app's AppConfig.ready().
KINDS = (FEEDBACK_EMAIL, TESTIMONIAL_EMAIL, CASE_EMAIL, CASE_UPDATE_EMAIL)
