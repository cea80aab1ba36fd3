"""Which heading of the report an activity goes under: a suggestion made from
the activity alone, when it is entered, for the secretariat to confirm or change.

``suggest_heading(facts)`` takes plain data (``HeadingFacts``: the lead
entity's acronym and kind, the codes of the action lines, the keys of the
regions, themes and trends, and the text) and returns the key of a heading of
the report's outline as the 2024 report has it (``africa``, ``ungis``,
``c7_e_health``, ``financing`` …). It reads nothing from the database, so the
write path calls it for one activity and the compiler for thousands; the
headings of the entity's other activities come in as an argument.

The rules, in order (the first that applies decides):

1. The bodies sections III.A–C report on (UNGIS, the General Assembly, ECOSOC,
   the CSTD) get their own heading, unless the text is about Internet
   governance and the activity carries that theme, or the body did the work
   with partners other than intergovernmental bodies and secretariat offices
   (an agency's joint roadmap goes under its action lines).
2. A regional commission's work in one or more regions (none of them
   "global") goes under the first of those regions (section II).
3. Otherwise each heading the activity's own tags allow is scored by how many
   of its words the text uses (``VOCABULARY``; a word inside a longer phrase
   that another word list matched counts only for that phrase: "rights" in
   "human rights", "cooperation" in "enhanced cooperation"): each of its
   action lines (a sub-area of C7 scores a little above the others on a tie,
   being the more specific), each of its themes (its words weigh one and a
   half), its one region when it names a single one (regional words, and a
   regional organization), the WSIS Forum and stocktaking (III.D), the action
   line facilitators' own work (III.F.1), and section III.E when an
   organization of civil society, business or the technical community
   describes itself (its projects, and its work in given regions only, go
   under their action lines). The best score wins; a tie goes to the first
   in that order.
4. When the best of rule 3 is an action line or theme, another of the
   activity's action lines or themes that scores within half a word of it
   (``ENTITY_HEADING_MARGIN``) wins instead when at least two of the entity's
   other activities in the same submission are under it, and more than are
   under the best (``entity_headings``, read by the write path and the
   importer): the editors keep an entity's work under one heading where its
   own words leave the choice open.
5. With none of those, the heading for the action lines and United Nations
   entities (III.F).

With the 2024 report's activities stripped of their headings, these rules put
83 % of them where the report's editors did (the measurement is
``benchmarks/report_check.py``).
"""

import re
from dataclasses import dataclass, field

# The bodies sections III.A–C report on; their own activities go under them.
BODY_HEADINGS = {"UNGIS": "ungis", "GA": "ga_ecosoc", "ECOSOC": "ga_ecosoc", "CSTD": "cstd"}
# Partners of these kinds leave a body's work its own (rule 1).
BODY_KINDS = ("un_intergovernmental_body", "un_secretariat")
FALLBACK_HEADING = "action_lines_and_un_entities"
MULTISTAKEHOLDER_HEADING = "multistakeholder_facilitation"
CIVIL_SOCIETY_HEADING = "civil_society_business_partnerships"
FACILITATORS_HEADING = "action_lines"

REGIONAL_COMMISSION = "un_regional_commission"
CIVIL_SOCIETY_KINDS = ("civil_society", "technical_community", "private_sector")

# Words that mark a text as belonging under an action line or a theme; a word
# matches its longer forms ("regulat": regulation, regulatory). Drawn from the
# Geneva Plan of Action's description of each action line.
VOCABULARY = {
    "C1": (
        "governance authorit, public governance, national strateg, digital strateg, "
        "e-strateg, policy dialogue, policymak, gender mainstream, mainstreaming gender, "
        "gender equality, gender digital divide, gender-related, leadership, "
        "multi-stakeholder event, public-private, government"
    ),
    "C2": (
        "infrastructure, broadband, connectivity, network, satellite, spectrum, 5g, "
        "fifth-generation, mobile, radio, universal service, digital public infrastructure"
    ),
    "C3": (
        "access to information, access to knowledge, librar, open access, universal access, "
        "accessib, public domain, information-sharing, sharing data, sharing knowledge, "
        "knowledge, digital inclusion, portal, resources"
    ),
    "C4": (
        "capacity, training, trained, skills, course, academy, literacy, centres of "
        "excellence, upskilling, reskilling, toolkit"
    ),
    "C5": (
        "cybersecurity, security, cybercrime, trust, safety, online harm, child sexual, "
        "electronic evidence, crime"
    ),
    "C6": (
        "regulat, enabling environment, competition, legal framework, legislation, "
        "intellectual property, copyright, policy framework, governance of, standard"
    ),
    "C7.e-government": (
        "e-government, government web, public sector, public service, civil servant, "
        "municipal, local governance, smart cit, democracy, judicial, digital government, "
        "govtech"
    ),
    "C7.e-business": (
        "e-commerce, ecommerce, trade, business, enterprise, entrepreneur, msme, start-up, "
        "payment, industry, manufactur, digital economy, single window, circular"
    ),
    "C7.e-learning": "education, learning, school, teacher, student, educational",
    "C7.e-health": "health, medical, patient, pandemic",
    "C7.e-employment": "employment, jobs, labour, work, worker, skills, upskilling, refugee",
    "C7.e-environment": (
        "environment, climate, weather, emission, green, circular, disaster, crisis, crises, "
        "humanitarian, early warning, sustainab"
    ),
    "C7.e-agriculture": "agricultur, farm, rural, food, hunger, agri",
    "C7.e-science": (
        "science, scientific, research, open science, journal, patent, quantum, frontier, "
        "advanced ai, innovation"
    ),
    "C8": (
        "cultur, linguistic, language, multilingual, local content, heritage, identity, "
        "internationalized domain"
    ),
    "C9": (
        "media, journalis, freedom of expression, disinformation, misinformation, press, platform"
    ),
    "C10": "ethic, human rights, rights, privacy, child, children, code of conduct, values, safety",
    "C11": (
        "international cooperation, regional cooperation, cooperation, partnership, alliance, "
        "global digital compact, agenda, summit, inter-agency, consensus, states"
    ),
    "financing": "financ, fund, invest, donor, fiscal, economic incentive",
    "internet_governance": (
        "internet governance, igf, enhanced cooperation, netmundial, internet fragmentation, "
        "dynamic coalition"
    ),
    "measurement": (
        "measur, indicator, statistic, data on, database, dashboard, targets, estimate, "
        "survey, household"
    ),
}
REGIONAL_WORDS = (
    "region, regional, continent, member states, african, arab, asia-pacific, latin america"
)
MULTISTAKEHOLDER_WORDS = re.compile(r"\bwsis forum\b|\bstocktaking\b")
FACILITATOR_WORDS = re.compile(r"\baction line facilitator")
# A text that describes the organization itself ("APC is an international
# network …", "IFLA promotes …"): how section III.E presents its members.
DESCRIBES_ITSELF = re.compile(
    r"\b(is an?|is responsible|works|promotes|provides|represents|addresses|advocates|"
    r"explores|a global civil society)\b"
)

# Weights of the scores (rule 3).
THEME_WEIGHT = 1.5
REGION_WEIGHT = 1.5
REGIONAL_ORGANIZATION = 1.0
SUB_AREA_BONUS = 0.2
ACTION_LINE_BONUS = 0.1
MULTISTAKEHOLDER_SCORE = 3.0
FACILITATORS_SCORE = 4.0
CIVIL_SOCIETY_SCORE = 2.5
# Rule 4: how many of the entity's other activities a heading needs, and how
# close (less than one word of the vocabulary) the activity's own score there.
ENTITY_HEADING_MINIMUM = 2
ENTITY_HEADING_MARGIN = 0.5


@dataclass
class HeadingFacts:
    """What the suggestion reads of an activity."""

    entity_acronym: str
    entity_kind: str
    action_lines: list = field(default_factory=list)  # codes, e.g. "C7.e-health"
    regions: list = field(default_factory=list)  # keys
    themes: list = field(default_factory=list)  # keys
    trends: list = field(default_factory=list)  # keys
    text: str = ""
    partner_kinds: list = field(default_factory=list)  # the partners' entity kinds


def line_key(code):
    """``C7.e-health`` → ``c7_e_health``: the heading key of an action line."""
    return re.sub(r"[^a-z0-9]+", "_", code.lower())


def word_patterns(words):
    """Patterns for a comma-separated list of words and phrases, lower case: each
    matches at the start of a word, so a stem matches its longer forms; words of
    three letters or fewer ("ai", "5g") match only whole."""
    patterns = []
    for word in words.split(","):
        word = " ".join(word.lower().split())
        if not word:
            continue
        end = r"(?![a-z0-9])" if len(word) <= 3 else ""
        patterns.append(re.compile(r"(?<![a-z0-9])" + re.escape(word) + end))
    return patterns


_COMPILED = {key: word_patterns(words) for key, words in VOCABULARY.items()}
_REGIONAL = word_patterns(REGIONAL_WORDS)


def vocabulary_hits(text, patterns):
    """How many of the patterns (``word_patterns``) occur in the lower-cased text."""
    return sum(1 for pattern in patterns if pattern.search(text))


def specific_hits(text, vocabularies):
    """``{key: hits}`` for several vocabularies (``{key: patterns}``) read
    together: each pattern counts once when it occurs, but an occurrence inside
    a longer phrase that another pattern matched ("rights" in "human rights",
    "cooperation" in "enhanced cooperation") counts only for that phrase, so
    one phrase never scores twice."""
    found = [
        (key, i, match.start(), match.end())
        for key, patterns in vocabularies.items()
        for i, pattern in enumerate(patterns)
        for match in pattern.finditer(text)
    ]
    spans = {(start, end) for _key, _i, start, end in found}
    hits = {key: set() for key in vocabularies}
    for key, i, start, end in found:
        inside = any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans)
        if not inside:
            hits[key].add(i)
    return {key: len(matched) for key, matched in hits.items()}


def _action_line_order(code):
    # C1 … C11 in number order, each C7 sub-area right after C7.
    match = re.match(r"C(\d+)(?:\.(.*))?$", code)
    if not match:
        return (99, code)
    return (int(match.group(1)), match.group(2) or "")


def heading_scores(facts):
    """``(key, scores)``: the heading a rule decides outright (rules 1–2), or
    None and the scores of rule 3 (heading key -> score, ties to the first)."""
    text = " ".join(facts.text.lower().split())
    lines = sorted(facts.action_lines, key=_action_line_order)
    hits = specific_hits(
        text,
        {key: _COMPILED[key] for key in (*lines, *facts.themes) if key in _COMPILED},
    )
    themes = {key: hits[key] for key in facts.themes if key in _COMPILED}
    body = BODY_HEADINGS.get(facts.entity_acronym)
    joint = any(kind not in BODY_KINDS for kind in facts.partner_kinds)
    if body and not joint and not themes.get("internet_governance"):
        return body, {}
    regions = [key for key in facts.regions if key != "global"]
    in_regions_only = bool(regions) and "global" not in facts.regions
    if in_regions_only and facts.entity_kind == REGIONAL_COMMISSION:
        return regions[0], {}

    scores = {}  # heading key -> score; insertion order breaks ties
    for code in lines:
        bonus = SUB_AREA_BONUS if "." in code else ACTION_LINE_BONUS
        scores[line_key(code)] = hits.get(code, 0) + bonus
    for key, hits in themes.items():
        scores[key] = hits * THEME_WEIGHT
    if in_regions_only and len(regions) == 1:
        regional = facts.entity_kind == "intergovernmental_organization"
        scores[regions[0]] = vocabulary_hits(text, _REGIONAL) * REGION_WEIGHT + (
            REGIONAL_ORGANIZATION if regional else 0
        )
    if MULTISTAKEHOLDER_WORDS.search(text):
        scores[MULTISTAKEHOLDER_HEADING] = MULTISTAKEHOLDER_SCORE
    if FACILITATOR_WORDS.search(text):
        scores[FACILITATORS_HEADING] = FACILITATORS_SCORE
    # An organization presents itself to the world; its work in one region only
    # is a project, under its action lines.
    if (
        facts.entity_kind in CIVIL_SOCIETY_KINDS
        and not in_regions_only
        and DESCRIBES_ITSELF.search(text)
    ):
        scores[CIVIL_SOCIETY_HEADING] = CIVIL_SOCIETY_SCORE
    if not scores:
        return FALLBACK_HEADING, {}
    return None, scores


def _best(scores):
    best = max(scores.values())
    return next(key for key, score in scores.items() if score == best)


def _line_or_theme(key):
    return key in LINE_AND_THEME_KEYS


LINE_AND_THEME_KEYS = {line_key(code) for code in VOCABULARY if code.startswith("C")} | {
    key for key in VOCABULARY if not key.startswith("C")
}


def suggest_heading(facts, entity_headings=None):
    """The key of the report heading the rules suggest for an activity (see the
    module docstring). ``entity_headings`` counts the headings of the entity's
    other activities in the same submission ({key: n}; rule 4)."""
    decided, scores = heading_scores(facts)
    if decided:
        return decided
    key = _best(scores)
    others = entity_headings or {}
    if not _line_or_theme(key):
        return key
    candidates = [
        k
        for k, score in scores.items()
        if k != key
        and _line_or_theme(k)
        and others.get(k, 0) >= ENTITY_HEADING_MINIMUM
        and others.get(k, 0) > others.get(key, 0)
        and score >= scores[key] - ENTITY_HEADING_MARGIN
    ]
    if candidates:
        return max(candidates, key=lambda k: (others[k], scores[k]))
    return key
