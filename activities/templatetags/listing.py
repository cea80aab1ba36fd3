from django import template

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
