"""Sentences in the report's style, by rules (no model).

* ``join_predicates``: one entity's consecutive activities that each begin with
  the entity as subject become one sentence, "ITU did A; B; and C" rather than
  "ITU did A. ITU did B. ITU did C.", and a verb they share ("reported on") is
  said once.
* ``attribute``: a sentence that does not name its entity gets it woven in
  ("According to ITU, …"; "We …" becomes "ITU …") instead of a bold label.
* ``split_sentences``: the sentences of a contributor's answer.
* ``text_language``: the language a text is written in, from its script.

The few words these rules add ("and", "According to") are in the language of
the sentence they go into, not the reader's: a sentence stays in one language.
"""

import re

from django.utils import translation
from django.utils.translation import gettext

# A full stop that does not end a sentence.
_ABBREVIATIONS = re.compile(
    r"\b(e\.g|i\.e|etc|No|Nos|Mr|Mrs|Ms|Dr|St|vs|para|paras|Rev|Corr|Add|approx|Inc|Ltd|"
    r"Co|U\.S|U\.K|a\.m|p\.m)\.$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"'”’)]*\s+|(?<=[。！？])")
# Words a sentence can begin with that are written in lower case elsewhere.
_LOWERCASE_OPENERS = {
    "a", "an", "the", "this", "these", "that", "those", "there", "it", "its", "in", "on",
    "at", "as", "by", "for", "from", "with", "without", "after", "before", "during",
    "since", "while", "although", "however", "more", "most", "many", "some", "several",
    "all", "both", "each", "every", "new", "over", "under", "about", "around", "nearly",
    "almost", "only", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "one", "access", "digital", "progress", "funding", "demand", "use", "growth",
    "connectivity", "internet", "data", "mobile", "online", "artificial", "generative",
    "such", "further", "through", "following", "despite", "given", "among", "across",
}  # fmt: skip
_FIGURE = re.compile(r"\d|\bper cent\b|%|percent|\bhalf\b|\bthird|\bquarter", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def normalise(text):
    """One line, single spaces, ending with a full stop."""
    text = " ".join((text or "").split())
    if text and text[-1] not in ".!?…。！？":
        text += "."
    return text


def split_sentences(text):
    """The sentences of a text, each normalised; abbreviations (e.g., No.) and
    decimal numbers do not end a sentence."""
    sentences = []
    for block in re.split(r"\n\s*\n|\n(?=\s*[-•*]\s)", text or ""):
        block = " ".join(block.split()).lstrip("-•* ").strip()
        if not block:
            continue
        current = ""
        for piece in _SENTENCE_END.split(block):
            if not piece:
                continue
            current = f"{current} {piece}".strip() if current else piece.strip()
            if _ABBREVIATIONS.search(current) or not re.search(r"[.!?。！？][\"'”’)]*$", current):
                continue
            # A sentence break needs the next piece to begin like a sentence.
            sentences.append(current)
            current = ""
        if current:
            sentences.append(current)
    merged = []
    for sentence in sentences:
        if merged and sentence[:1].islower():
            merged[-1] = f"{merged[-1]} {sentence}"
        else:
            merged.append(sentence)
    return [normalise(s) for s in merged if len(s.strip(".!?。 ")) > 1]


def has_figures(text):
    return bool(_FIGURE.search(text))


def text_language(text, default="en"):
    """The language of a text judged by its script: Chinese, Arabic or Russian
    when their letters are most of it, else ``default`` (for Latin script)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return default
    for pattern, language in ((_CJK, "zh-hans"), (_ARABIC, "ar"), (_CYRILLIC, "ru")):
        if sum(1 for c in letters if pattern.match(c)) > len(letters) / 3:
            return language
    return default


def subject_pattern(names):
    """A pattern for a sentence that begins with one of the entity's names as
    its subject ("ITU launched", "The Council of Europe published")."""
    alternatives = sorted({re.escape(n) for n in names if n}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(rf"^(?:The\s+)?(?:{'|'.join(alternatives)})(?![\w'’-])\s+(?=[a-z])")


def names_entity(text, names):
    """Does the text name the entity (any of ``names``, whole words)?"""
    lowered = text.lower()
    for name in names:
        if not name:
            continue
        if re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", lowered):
            return True
    return False


def _lower_first(text):
    return text[:1].lower() + text[1:]


def _strip_end(text):
    return text.rstrip(" .")


_FUNCTION_WORDS = {"and", "or", "the", "a", "an", "its", "their", "of", "with", "to", "for"}
_PREPOSITIONS = {"on", "in", "to", "for", "with", "at", "about", "from", "into"}


def _shared_verb(first, second):
    """How many words ``second`` can leave out because ``first`` just said them:
    the verb they both begin with ("published", "is developing"), at most two
    words, keeping a preposition that follows it ("reported on A; on B")."""
    a, b = first.split(), second.split()
    n = 0
    while n < min(2, len(a) - 1, len(b) - 1) and a[n] == b[n]:
        n += 1
    if not n or a[0] in _FUNCTION_WORDS or not a[0].isalpha() or not a[0].islower():
        return 0
    shared = a[:n]
    while shared and (shared[-1] in _PREPOSITIONS or shared[-1] in _FUNCTION_WORDS):
        shared.pop()
    return len(shared)


def join_clauses(subject, predicates, language="en"):
    """The clauses of one sentence made of a subject and the predicates of its
    sentences, one clause per predicate: "ITU did A;" "B;" "and C." (two:
    "ITU did A" "and B."). A verb a predicate shares with the one before it is
    not said again ("ECLAC reported on A; on B; and launched C")."""
    predicates = [_strip_end(p) for p in predicates]
    if len(predicates) == 1:
        return [normalise(f"{subject} {predicates[0]}")]
    parts = [predicates[0]]
    for before, predicate in zip(predicates, predicates[1:], strict=False):
        parts.append(" ".join(predicate.split()[_shared_verb(before, predicate) :]))
    with translation.override(language):
        conjunction = gettext("and")
    if len(parts) == 2 and not any("," in p or ";" in p for p in parts):
        return [f"{subject} {parts[0]}", normalise(f"{conjunction} {parts[1]}")]
    return [
        f"{subject} {parts[0]};",
        *(f"{p};" for p in parts[1:-1]),
        normalise(f"{conjunction} {parts[-1]}"),
    ]


def shared_opening(sentences, minimum=4):
    """How many words the sentences all begin with, when at least ``minimum``
    and something remains of each: "Intersessional work was carried out by the
    IGF Policy Network on A." and "… on B." share nine."""
    words = [s.split() for s in sentences]
    n = 0
    for column in zip(*words, strict=False):
        if len(set(column)) != 1:
            break
        n += 1
    if n < minimum or any(len(w) <= n for w in words):
        return 0
    return n


def join_openings(sentences, language="en"):
    """Sentences that begin alike said as one: the opening once, then the rest of
    each (as ``join_clauses``), one clause per sentence."""
    n = shared_opening(sentences)
    first = sentences[0].split()
    subject = " ".join(first[:n])
    predicates = [" ".join(s.split()[n:]) for s in sentences]
    with translation.override(language):
        conjunction = gettext("and")
    parts = [_strip_end(p) for p in predicates]
    if len(parts) == 2 and not any("," in p or ";" in p for p in parts):
        return [f"{subject} {parts[0]}", normalise(f"{conjunction} {parts[1]}")]
    return [
        f"{subject} {parts[0]};",
        *(f"{p};" for p in parts[1:-1]),
        normalise(f"{conjunction} {parts[-1]}"),
    ]


def join_predicates(subject, predicates, language="en"):
    """``join_clauses`` as one string."""
    return " ".join(join_clauses(subject, predicates, language))


def attribute(sentence, name, names, language="en"):
    """The sentence naming its entity: as it is when it does already; "We …" and
    "Our …" become the entity; otherwise "According to ITU, …" or, where the
    first word cannot be put in lower case, "… (ITU)."."""
    if names_entity(sentence, names):
        return sentence
    with translation.override(language):
        if re.match(r"^We\s", sentence):
            return name + sentence[2:]
        if re.match(r"^Our\s", sentence):
            return gettext("%(name)s’s") % {"name": name} + sentence[3:]
        first_word = re.match(r"^[A-Za-z]+", sentence)
        if first_word and first_word.group(0).lower() in _LOWERCASE_OPENERS:
            return gettext("According to %(name)s, %(text)s") % {
                "name": name,
                "text": _lower_first(sentence),
            }
        return normalise(f"{_strip_end(sentence)} ({name})")
