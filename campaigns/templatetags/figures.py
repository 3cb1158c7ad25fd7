"""``{% load figures %}{{ count|figure }}``: campaigns.figures.figure in templates."""

from django import template

from campaigns.figures import figure as _figure

register = template.Library()


@register.filter
def figure(value) -> str:
    return _figure(value)
