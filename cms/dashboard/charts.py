"""The dashboard's charts, drawn on the server as SVG by pygal: readable without hovering (values printed
on the points), with a title and a description; the page carries the same numbers as a table."""

import pygal
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def nps_chart(weeks) -> str:
    """The NPS line by week (-100 … 100), or "" when there is nothing to draw."""
    if not weeks:
        return ""
    chart = pygal.Line(
        title="NPS by week",
        range=(-100, 100),
        print_values=True,
        show_legend=False,
        disable_xml_declaration=True,
        explicit_size=False,
        js=[],  # no tooltips script: every value is printed on the chart
        width=640,
        height=320,
    )
    chart.x_labels = [f"{week.week:%-d %b}" for week in weeks]
    chart.add("NPS", [week.nps for week in weeks])
    svg = chart.render(is_unicode=True)
    # pygal escapes the text it draws; the labels are our own dates and numbers.
    drawn = mark_safe(svg)  # noqa: S308
    return format_html('<figure class="dashboard-chart" aria-describedby="nps-description">{}</figure>', drawn)


def prompts_chart(milestones) -> str:
    """Prompted and completed side by side per milestone, or "" when no prompt went out."""
    if not milestones:
        return ""
    chart = pygal.Bar(
        title="Sharing prompts per milestone",
        print_values=True,
        show_legend=True,
        legend_at_bottom=True,
        disable_xml_declaration=True,
        explicit_size=False,
        js=[],  # no tooltips script: every value is printed on the chart
        width=640,
        height=320,
    )
    chart.x_labels = [m.title for m in milestones]
    chart.add("Prompted", [m.prompted for m in milestones])
    chart.add("Completed", [m.completed for m in milestones])
    svg = chart.render(is_unicode=True)
    # pygal escapes the text it draws (milestone titles are the creator's: tested with markup).
    drawn = mark_safe(svg)  # noqa: S308
    return format_html('<figure class="dashboard-chart" aria-describedby="prompts-description">{}</figure>', drawn)
