from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape as escape
from django.utils.html import format_html
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
    loop, and with plain string joins rather than ``format_html`` per option,
    since a sidebar has hundreds of them (the entities) and the loop cost more
    than the counting. Values and labels are escaped; counts are numbers."""

    if not facet["options"]:
        return format_html('<li class="muted">{}</li>', gettext("No values in these results."))
    name = escape(facet["name"])
    items = []
    for n, option in enumerate(facet["options"], start=1):
        count = option["count"]
        # Below 1,000 no language groups digits: str() is what intcomma gives.
        shown = str(count) if 0 <= count < 1000 else escape(intcomma(count))
        indent = ' class="indent"' if option["indent"] else ""
        items.append(
            f"<li{indent}>"
            f'<input type="checkbox" name="{name}" value="{escape(option["value"])}" '
            f'id="f-{name}-{n}"{" checked" if option["selected"] else ""}>'
            f'<label for="f-{name}-{n}"><span class="option-label">{escape(option["label"])}'
            f'</span> <span class="count">{shown}</span></label></li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every value above is escaped)
