"""Names that cannot carry a message (campaigns/names.py), wherever a student's name is entered."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns import bulk, names, services
from campaigns.models import Enrollment, Student
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

REFUSED = [
    "evil.Com",  # a domain, whatever its case
    "Visit EVIL-PHISH.COM",
    "pills.example",
    "Jo evil.co.uk",
    "bit.ly",
    "evil。com",  # an ideographic full stop: browsers read it as a dot
    "evil dot com",
    "www.example",
    "see https://x.test",
    "Jo <b>",
    "{{ first_name }}",
    "jo@example.org",
    "+44 20 7946 0958",  # phone numbers
    "call 0800-123-456",
    "5551234567",
    "Jo\u202eedoc",  # a right-to-left override makes a name display as something else
    "Jo\x00",
]
WELCOME = [
    "St.John",
    "Jo.Ann",
    "Mary.Kate",
    "Mary.Jo",
    "Md.Rahim",
    "O'Brien",
    "Anne-Marie",
    "J. R.",
    "José Núñez",
    "Zoë",
    "Łukasz",
    "Ἀλέξανδρος",
    "Мария",
    "محمد",
    "李小龙",
    "प्रिया",
    "می\u200cخواهم",  # Persian needs the zero-width non-joiner
    "Friend12x3",  # a few digits are not a phone number
]


@pytest.mark.parametrize("name", REFUSED)
def test_names_that_carry_a_message_are_refused(name):
    assert names.name_problem(name).startswith("Just your name, please")


@pytest.mark.parametrize("name", WELCOME)
def test_real_names_pass(name):
    assert names.name_problem(name) == ""


@pytest.mark.parametrize("name", ["evil.Com", "Visit EVIL-PHISH.COM", "+1 555 123 4567"])
def test_the_services_refuse_them_and_write_nothing(program, name):
    with pytest.raises(ValidationError) as refused:
        services.student_upsert(email="ann@example.org", first_name=name)
    assert "first_name" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.student_enroll(email="ann@example.org", program=program, last_name=name, actor="t")
    assert not Student.objects.exists() and not Enrollment.objects.exists()


def test_an_existing_student_cannot_be_renamed_to_one_either():
    StudentFactory(email="ann@example.org", first_name="Ann")
    with pytest.raises(ValidationError):
        services.student_upsert(email="ann@example.org", first_name="Ann at evil.Com")
    assert Student.objects.get().first_name == "Ann"


def test_an_import_refuses_them_naming_the_address(program):
    people = [{"email": "ok@example.org", "first_name": "Ok"}, {"email": "bad@example.org", "first_name": "x.COM"}]
    with pytest.raises(ValidationError) as refused:
        bulk.students_bulk_enroll(program=program, people=people, actor="import")
    assert "bad@example.org" in str(refused.value)
    assert not Student.objects.exists()  # the batch is one transaction
    assert bulk.students_bulk_enroll(program=program, people=people[:1], actor="import") == 1


def test_the_admin_student_form_refuses_them(admin_client):
    student = StudentFactory(email="ann@example.org", first_name="Ann")
    url = reverse("campaigns_student:edit", args=(student.pk,))
    data = {"email": "ann@example.org", "first_name": "Win at EVIL-PHISH.COM", "last_name": "", "time_zone": "UTC"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Just your name, please" in str(response.context["form"].errors["first_name"])
    assert Student.objects.get().first_name == "Ann"
    response = admin_client.post(url, {**data, "first_name": "St.John"})
    assert response.status_code == 302 and Student.objects.get().first_name == "St.John"
