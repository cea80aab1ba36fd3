"""The contributors' answers in the report: section I from the answers on trends,
and under section IV, for the editor, a digest of the answers on obstacles.

Sorting a sentence under a trend uses the trends' own vocabulary
(``Trend.vocabulary``, else the words of its title): the trend whose words the
sentence uses most; on a tie, the trend of the sentence before it in the same
answer when that is one of the tied; with no word at all, the trend of the
sentence before it (an answer keeps to its topic for a few sentences). A
sentence that matches nothing and has no sentence before it is left unsorted,
at the head of section I, for the editor. No model is needed: on the 2024
report's own section I (``tests/data/section_i_2024.json``), these rules put
about nine sentences in ten under the heading the editors chose.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from activities.headings import vocabulary_hits, word_patterns

from .report_prose import attribute, has_figures, split_sentences, text_language

# Title words that say nothing of a trend's subject.
_TITLE_STOPWORDS = {
    "and", "the", "of", "in", "for", "on", "to", "a", "an", "rapid", "development",
    "digital", "environment", "new", "evolving", "growing", "role", "its",
}  # fmt: skip

# The digest of obstacles: recurring kinds of obstacle, in this order; a
# sentence goes under the first kind whose words it uses most.
OBSTACLE_TOPICS = [
    ("funding", _("Funding and resources"), "fund, financ, budget, resource, cost, invest, donor"),
    (
        "capacity",
        _("Capacity and skills"),
        "capacity, skill, training, expertise, staff, human resources, literacy",
    ),
    (
        "infrastructure",
        _("Infrastructure, access and affordability"),
        "infrastructure, connectivity, broadband, electricity, access, afford, network",
    ),
    (
        "policy",
        _("Policy, regulation and governance"),
        "policy, policies, regulat, legal, legislation, law, governance, political",
    ),
    ("data", _("Data and measurement"), "data, statistic, indicator, measur, evidence"),
    (
        "coordination",
        _("Coordination and cooperation"),
        "coordinat, cooperation, fragment, duplicat, partnership, silo",
    ),
]
OTHER_OBSTACLES = _("Other obstacles")
_OBSTACLE_PATTERNS = [(key, label, word_patterns(words)) for key, label, words in OBSTACLE_TOPICS]


@dataclass
class AnswerSentence:
    """One sentence of a contributor's answer, naming its entity."""

    text: str
    entity: object  # report.EntityRef
    submission_id: int
    question: str
    language: str
    figures: bool
    order: tuple  # (contributor position, sentence position): the draft's order


def trend_patterns(trend):
    """The patterns of a trend's vocabulary, else of its title's words."""
    words = trend.vocabulary or ", ".join(
        w for w in re.findall(r"[\w-]+", trend.title_en.lower()) if w not in _TITLE_STOPWORDS
    )
    return word_patterns(words)


def answer_sentences(submissions, keys, position, default_language="en"):
    """The sentences of the answers to the questions ``keys`` of each submission,
    each naming its entity. ``submissions`` are (submission, EntityRef) pairs;
    ``position(entity_ref)`` orders the contributors (the report's order)."""
    found = []
    for submission, entity in submissions:
        answers = submission.answers if isinstance(submission.answers, dict) else {}
        n = 0
        for key in keys:
            value = answers.get(key)
            if not isinstance(value, str):
                continue
            for raw in split_sentences(value):
                language = text_language(raw, default_language)
                n += 1
                found.append(
                    AnswerSentence(
                        text=attribute(raw, entity.short, entity.names, language),
                        entity=entity,
                        submission_id=submission.pk,
                        question=key,
                        language=language,
                        figures=has_figures(raw),
                        order=(position(entity), n),
                    )
                )
    return found


def sort_under_trends(sentences, trends):
    """``{trend key: [sentences]}`` in the trends' order, plus the unsorted
    sentences; each list with the sentences with figures first."""
    patterns = [(t.key, trend_patterns(t)) for t in trends]
    sorted_ = {t.key: [] for t in trends}
    unsorted = []
    previous = {}  # submission and question -> the trend of the sentence before
    for sentence in sentences:
        answer = (sentence.submission_id, sentence.question)
        lowered = sentence.text.lower()
        scores = [(key, vocabulary_hits(lowered, p)) for key, p in patterns]
        best = max((score for _key, score in scores), default=0)
        before = previous.get(answer)
        if best == 0:
            trend = before
        else:
            tied = [key for key, score in scores if score == best]
            trend = before if before in tied else tied[0]
        if trend is None:
            unsorted.append(sentence)
            continue
        previous[answer] = trend
        sorted_[trend].append(sentence)
    return {key: figures_first(found) for key, found in sorted_.items()}, figures_first(unsorted)


def figures_first(sentences):
    return sorted(sentences, key=lambda s: (not s.figures, s.order))


def obstacle_digest(sentences):
    """``[(label, [entity refs], [sentences])]``: the obstacles reported, by kind
    (``OBSTACLE_TOPICS``), the kinds most reported first."""
    groups = {key: (label, []) for key, label, _p in _OBSTACLE_PATTERNS}
    groups["other"] = (OTHER_OBSTACLES, [])
    for sentence in sentences:
        lowered = sentence.text.lower()
        scores = [(key, vocabulary_hits(lowered, p)) for key, _label, p in _OBSTACLE_PATTERNS]
        best = max(score for _key, score in scores)
        key = next(k for k, score in scores if score == best) if best else "other"
        groups[key][1].append(sentence)
    digest = []
    for key, (label, found) in groups.items():
        if not found:
            continue
        in_order = sorted(found, key=lambda s: s.order)
        entities = list({s.entity.pk: s.entity for s in in_order}.values())
        digest.append((key, label, entities, figures_first(found)))
    digest.sort(key=lambda row: (row[0] == "other", -len(row[2])))
    return [(label, entities, found) for _key, label, entities, found in digest]
