from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag(takes_context=True)
def query_without(context, name, value=None):
    """The current query string less one value of a filter (or all of it), from page 1."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [v for v in query.getlist(name) if v != str(value)])
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_only_filters(context):
    """The current filters without the page, for export links."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


@register.simple_tag
def facet_options(facet):
    """A facet's options as list items: written here rather than in a template
    loop, since a sidebar has hundreds of them (the entities) and the loop cost
    more than the counting."""

    if not facet["options"]:
        return format_html('<li class="muted">{}</li>', gettext("No values in these results."))
    name = facet["name"]
    return format_html_join(
        "\n",
        '<li{}><input type="checkbox" name="{}" value="{}" id="f-{}-{}"{}>'
        '<label for="f-{}-{}"><span class="option-label">{}</span> '
        '<span class="count">{}</span></label></li>',
        (
            (
                mark_safe(' class="indent"') if option["indent"] else "",
                name,
                option["value"],
                name,
                n,
                mark_safe(" checked") if option["selected"] else "",
                name,
                n,
                option["label"],
                intcomma(option["count"]),
            )
            for n, option in enumerate(facet["options"], start=1)
        ),
    )
