"""The contributor pages: /contribute/ and one page per submission."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.models import Activity

from .forms import ActivityForm, AnswersForm, CommentForm, ReferenceFormSet, references_after
from .insight import year_on_year
from .models import (
    ACTION_LABELS,
    Comment,
    ReviewCycle,
    Submission,
    TransitionNotAllowed,
)
from .outbox import SentEmail


def get_submission(user, cycle, acronym):
    """The submission if the user may see it; anything else is a 404, never a 403."""
    return get_object_or_404(
        Submission.objects.visible_to(user).select_related("cycle", "entity", "reviewer"),
        cycle__slug=cycle,
        entity__acronym=acronym,
    )


def get_activity(submission, pk):
    return get_object_or_404(Activity.objects.filter(submission=submission), pk=pk)


@login_required
def home(request):
    memberships = request.user.memberships.select_related("entity").order_by("entity__acronym")
    submissions = (
        Submission.objects.filter(entity__memberships__user=request.user)
        .select_related("cycle", "entity")
        .with_effective_deadline()
        .order_by("-cycle__deadline", "entity__acronym")
    )
    context = {
        "memberships": memberships,
        "open_submissions": [s for s in submissions if s.cycle.state == ReviewCycle.State.OPEN],
        "past_submissions": [s for s in submissions if s.cycle.state != ReviewCycle.State.OPEN],
    }
    return render(request, "reviews/home.html", context)


def _button_label(submission, action):
    """The button's words: "Resubmit" once the secretariat asked for changes."""
    if action == "submit" and submission.state == Submission.State.CHANGES_REQUESTED:
        return _("Resubmit")
    return ACTION_LABELS[action]


def _receipt(submission):
    """The latest receipt of a submit or resubmit: who got it, or that nobody did."""
    return (
        SentEmail.objects.filter(submission=submission, kind="received")
        .order_by("-created_at", "-id")
        .first()
    )


def _page_context(request, submission, answers_form=None, comment_form=None):
    user = request.user
    comments = submission.comments.select_related("author")
    if not user.has_perm("reviews.view_internal_comments", submission):
        comments = comments.filter(visibility=Comment.Visibility.SHARED)
    editable = user.has_perm("reviews.edit_submission", submission)
    actions = [a for a in submission.allowed_actions(user) if a in Submission.CONTRIBUTOR_ACTIONS]
    if answers_form is None and editable:
        answers_form = AnswersForm(submission=submission)
    if comment_form is None and user.has_perm("reviews.comment_submission", submission):
        comment_form = CommentForm(
            internal_allowed=user.has_perm("reviews.comment_internally", submission)
        )
    questions = submission.cycle.question_list()
    answers = submission.answers or {}
    waiting = submission.state in (Submission.State.SUBMITTED, Submission.State.UNDER_REVIEW)
    sent_back = (
        submission.last_sent_back()
        if submission.state == Submission.State.CHANGES_REQUESTED
        else None
    )
    return {
        "submission": submission,
        "cycle": submission.cycle,
        "entity": submission.entity,
        "editable": editable,
        "answers_form": answers_form,
        "answers": [(q, answers.get(q.key, "")) for q in questions],
        "activities": submission.activities.prefetch_related(
            "action_lines", "regions", "references"
        ).order_by("pk"),
        "comments": comments,
        "comment_form": comment_form,
        "history": submission.transitions.select_related("actor"),
        # Submitting goes through the answers form (it saves what is typed first).
        "actions": [
            (a, _button_label(submission, a))
            for a in actions
            if not (a == "submit" and answers_form is not None)
        ],
        "can_submit": "submit" in actions,
        "submit_label": _button_label(submission, "submit"),
        "previous": submission.previous_submission() if "start" in actions else None,
        "missing": submission.missing_answers() if "submit" in actions else [],
        "sent_back": sent_back,
        "receipt": _receipt(submission) if waiting else None,
        "year_on_year": (
            year_on_year(submission)
            if user.has_perm("reviews.view_submission", submission)
            else None
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def submission_detail(request, cycle, acronym):
    submission = get_submission(request.user, cycle, acronym)
    form = None
    if request.method == "POST":
        autosave = request.POST.get("autosave") == "1"
        form = AnswersForm(request.POST, submission=submission)
        if form.is_valid():
            try:
                submission.save_answers(
                    form.answers(), by=request.user, seen_updated_at=form.seen_updated_at()
                )
            except TransitionNotAllowed as exc:
                if autosave:
                    return JsonResponse({"saved": False, "message": exc.message}, status=409)
                form.add_error(None, exc.message)
            else:
                if autosave:
                    return JsonResponse(
                        {
                            "saved": True,
                            "updated_at": submission.updated_at.isoformat(),
                            "message": _("Your answers are saved."),
                        }
                    )
                messages.success(request, _("Your answers are saved."))
                if request.POST.get("then") == "submit":
                    return redirect(
                        "reviews:submission-transition",
                        submission.cycle.slug,
                        submission.entity.acronym,
                        "submit",
                    )
                return redirect(submission)
        if autosave:
            errors = [str(e) for errors in form.errors.values() for e in errors]
            return JsonResponse({"saved": False, "message": " ".join(errors)}, status=400)
        status = 409 if form.non_field_errors() else 400
        context = _page_context(request, submission, answers_form=form)
        return render(request, "reviews/submission_detail.html", context, status=status)
    return render(request, "reviews/submission_detail.html", _page_context(request, submission))


def _confirm_context(request, submission, action, error=""):
    step = Submission.TRANSITIONS[action]
    questions = submission.cycle.question_list()
    answers = submission.answers or {}
    return {
        "submission": submission,
        "cycle": submission.cycle,
        "entity": submission.entity,
        "action": action,
        "label": _button_label(submission, action),
        "step": step,
        "error": error,
        "comment": request.POST.get("comment", ""),
        "answers": [(q, answers.get(q.key, "")) for q in questions],
        "missing": submission.missing_answers() if action == "submit" else [],
        "activities": submission.activities.prefetch_related("action_lines", "references").order_by(
            "pk"
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def submission_transition(request, cycle, acronym, action):
    """POST runs a contributor's step; GET shows the page that asks first (submit:
    the summary to review; decline: the reason; recall)."""
    submission = get_submission(request.user, cycle, acronym)
    if action not in Submission.CONTRIBUTOR_ACTIONS:
        raise Http404
    step = Submission.TRANSITIONS[action]
    if request.method == "GET":
        if not step.confirm:
            return HttpResponseNotAllowed(["POST"])
        if action not in submission.allowed_actions(request.user):
            messages.error(
                request,
                _("This submission is %(state)s; it cannot be %(past)s now.")
                % {"state": submission.get_state_display().lower(), "past": step.past},
            )
            return redirect(submission)
        context = _confirm_context(request, submission, action)
        return render(request, "reviews/submission_confirm.html", context)
    try:
        if action == "start":
            submission.start(by=request.user, carry_over=request.POST.get("carry_over") == "1")
        else:
            submission.transition(action, by=request.user, comment=request.POST.get("comment", ""))
    except TransitionNotAllowed as exc:
        if step.confirm and exc.field == "comment":
            context = _confirm_context(request, submission, action, error=exc.message)
            return render(request, "reviews/submission_confirm.html", context, status=400)
        messages.error(request, exc.message)
    else:
        messages.success(request, step.done)
    return redirect(submission)


@login_required
@require_POST
def submission_comment(request, cycle, acronym):
    submission = get_submission(request.user, cycle, acronym)
    if not request.user.has_perm("reviews.comment_submission", submission):
        raise Http404
    internal_allowed = request.user.has_perm("reviews.comment_internally", submission)
    form = CommentForm(request.POST, internal_allowed=internal_allowed)
    if not form.is_valid():
        context = _page_context(request, submission, comment_form=form)
        return render(request, "reviews/submission_detail.html", context, status=400)
    comment = form.save(commit=False)
    comment.submission = submission
    comment.author = request.user
    if not internal_allowed:
        comment.visibility = Comment.Visibility.SHARED
    comment.save()
    messages.success(request, _("Your comment is added."))
    return redirect(submission)


def _save_activity(request, submission, activity, form, formset):
    """Save the activity and its references through the one write path."""
    return submission.save_activity(
        activity,
        by=request.user,
        values={
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
            **(
                {}
                if form.fields["section_key"].disabled
                else {"section_key": form.cleaned_data["section_key"]}
            ),
        },
        references=references_after(formset),
        seen_updated_at=form.seen_updated_at(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_form(request, cycle, acronym, pk=None):
    submission = get_submission(request.user, cycle, acronym)
    activity = get_activity(submission, pk) if pk else Activity(submission=submission)
    if not request.user.has_perm("reviews.edit_submission", submission):
        messages.error(
            request,
            _("This submission is %(state)s and can no longer be edited.")
            % {"state": submission.get_state_display().lower()},
        )
        return redirect(submission)
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(data, instance=activity, submission=submission)
    formset = ReferenceFormSet(data, instance=activity, prefix="references")
    status = 200
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            try:
                _save_activity(request, submission, activity, form, formset)
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 400
            else:
                messages.success(request, _("The activity is saved."))
                return redirect(submission)
        else:
            status = 400
    context = {"submission": submission, "form": form, "formset": formset, "activity": activity}
    return render(request, "reviews/activity_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request, cycle, acronym, pk):
    submission = get_submission(request.user, cycle, acronym)
    activity = get_activity(submission, pk)
    if request.method == "POST":
        try:
            submission.delete_activity(activity, by=request.user)
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The activity is removed."))
        return redirect(submission)
    return render(
        request,
        "reviews/activity_confirm_delete.html",
        {"submission": submission, "activity": activity},
    )
