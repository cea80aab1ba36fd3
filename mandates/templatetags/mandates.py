from django import template

from mandates.forms import MandateUpdateForm
from mandates.models import mandates_for

register = template.Library()


@register.inclusion_tag("mandates/includes/submission_mandates.html", takes_context=True)
def submission_mandates(context):
    """The mandates the submission's cycle asks its entity about, each with the
    entity's update: a form while the submission is editable."""
    submission = context["submission"]
    user = context["request"].user
    editable = context.get("editable", False)
    bound = context.get("mandate_form")
    activities = None
    rows = []
    for mandate in mandates_for(submission):
        form = None
        if editable:
            if bound is not None and bound.mandate.pk == mandate.pk:
                form = bound
            else:
                if activities is None:
                    activities = list(submission.activities.order_by("pk").only("pk", "title"))
                form = MandateUpdateForm(
                    submission=submission, mandate=mandate, activities=activities
                )
        rows.append((mandate, form))
    return {
        "rows": rows,
        "submission": submission,
        "editable": editable,
        "user": user,
        "csrf_token": context.get("csrf_token"),
    }
