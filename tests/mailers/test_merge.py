"""Creator copy: a small safe merge syntax, never the template engine."""

import pytest

from mailers import merge


def test_fields_are_filled():
    assert merge.merge_text(
        "Hi {{ first_name }}, {{program_title}}!", {"first_name": "Ann", "program_title": "Calm"}
    ) == ("Hi Ann, Calm!")


def test_unknown_fields_are_reported_with_what_is_available():
    problems = merge.check("Hi {{ frist_name }}")
    assert len(problems) == 1
    assert "Unknown merge field {{ frist_name }}" in problems[0] and "first_name" in problems[0]


@pytest.mark.parametrize(
    "copy",
    ["{% load static %}", "{{ first_name|upper }}", "{{ user.password }}", "{% for x in y %}{% endfor %}", "{{ }}"],
)
def test_template_syntax_is_refused(copy):
    assert merge.check(copy)
    with pytest.raises(merge.MergeError):
        merge.merge_text(copy, {"first_name": "x", "user": "y"})


def test_a_field_without_a_value_cannot_render():
    with pytest.raises(merge.MergeError, match="special_link"):
        merge.merge_text("Go: {{ special_link }}", {"first_name": "Ann"})


def test_html_escapes_copy_and_values_and_keeps_paragraphs_and_links():
    html = merge.merge_html(
        "Hi {{ first_name }} <b>bold</b>\n\nSee {{ url }}",
        {"first_name": "<script>x</script>", "url": "https://e.org/a?b=1&c=2"},
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert html.count("<p>") == 2
    assert '<a href="https://e.org/a?b=1&amp;c=2"' in html


def test_later_phases_can_register_fields():
    merge.register_field("mission_goal", "The mission's goal")
    assert not merge.check("{{ mission_goal }}")
    with pytest.raises(ValueError):
        merge.register_field("not valid!", "x")


def test_layout_markers_in_copy_are_not_expanded(db):
    from mailers import rendering

    rendered = rendering.render(
        kind_name="announcement",
        to_email="ann@example.org",
        to_name="Ann",
        context={"subject": "@@BODY@@ {{ first_name }}", "body": "Look: @@UNSUBSCRIBE@@ and <i>@@SUBJECT@@</i>"},
    )
    assert rendered.subject == "@@BODY@@ Ann"
    assert "Look: @@UNSUBSCRIBE@@ and <i>@@SUBJECT@@</i>" in rendered.text
    assert "Look: @@UNSUBSCRIBE@@ and &lt;i&gt;@@SUBJECT@@&lt;/i&gt;" in rendered.html
    assert "<title>@@BODY@@ Ann</title>" in rendered.html


def test_a_link_list_is_lines_in_text_and_a_row_of_buttons_in_html():
    links = [{"label": str(n), "url": f"https://x.test/s/{n}/?a=1&b=2"} for n in range(3)]
    assert merge.merge_text("Pick:\n{{ scale }}", {"scale": links}) == (
        "Pick:\n0 — https://x.test/s/0/?a=1&b=2\n1 — https://x.test/s/1/?a=1&b=2\n2 — https://x.test/s/2/?a=1&b=2"
    )
    html = merge.merge_html("Pick:\n\n{{ scale }}", {"scale": links})
    assert html.count("<a href=") == 3 and 'href="https://x.test/s/2/?a=1&amp;b=2"' in html and ">2</a>" in html
    hostile = [{"label": "<b>0</b>", "url": "javascript:alert(1)"}, {"label": "<i>1</i>", "url": "https://x.test/"}]
    html = merge.merge_html("{{ scale }}", {"scale": hostile})
    assert "javascript:" not in html and "&lt;i&gt;1&lt;/i&gt;" in html
