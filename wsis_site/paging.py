"""Pages that stay quick however deep they are."""

from django.core import paginator
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models.query import QuerySet
from django.utils.translation import gettext as _


class Paginator(paginator.Paginator):
    """Django's paginator, choosing a page of a queryset by its ids first.

    ``OFFSET n`` makes the database read n whole rows only to skip them; the
    page's query here reads just its own rows, ``WHERE id IN (the page's ids)``,
    the subquery walking past n ids (an index-only scan for the usual
    orderings). Page 5,000 is then about as quick as page 1, in the same one
    query, with the queryset's order, annotations and prefetches. ``count``,
    when the caller knows it already (a cached count, say), saves a query.
    ``page_ids(start, stop)``, when the caller can tell the page's ids in the
    queryset's order without the database (the facet index can), or None, makes
    the page's query read just those rows.
    """

    def __init__(self, object_list, per_page, *args, count=None, page_ids=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # replaces the cached_property
        self.page_ids = page_ids

    def _get_page(self, object_list, number, paginator):
        if isinstance(object_list, QuerySet) and isinstance(self.object_list, QuerySet):
            ids = None
            if self.page_ids is not None:
                query = object_list.query
                ids = self.page_ids(query.low_mark, query.high_mark)
            if ids is not None:
                object_list = self.object_list.filter(pk__in=ids)
            else:
                object_list = self.object_list.filter(pk__in=object_list.values("pk"))
        return super()._get_page(object_list, number, paginator)


def paginate(request, queryset, per_page, count=None, page_ids=None):
    """The requested page, or None and a message when the page does not exist.

    ``count``, when known already (the facets count the results), saves a query;
    ``page_ids`` (see ``Paginator``) lets the page's query read only its rows.
    """
    paginator = Paginator(queryset, per_page, count=count, page_ids=page_ids)
    number = request.GET.get("page") or 1
    try:
        return paginator.page(number), None
    except PageNotAnInteger:
        return None, _("The page number must be a whole number.")
    except EmptyPage:
        if paginator.count == 0 and str(number) == "1":
            return paginator.page(1), None
        return None, _("There is no page %(number)s; the results have %(pages)s.") % {
            "number": number,
            "pages": paginator.num_pages,
        }
