"""Full text in the six UN languages: each activity searched in its own language
(PostgreSQL's configurations), Chinese by character bigrams, ``q`` across all."""

import pytest

from activities.db import cjk_bigrams, is_postgresql
from activities.filters import ActivityFilter
from activities.models import Activity

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    not is_postgresql(), reason="stemming and bigrams are PostgreSQL's"
)


def found(q, **filters):
    filterset = ActivityFilter({"q": q, **filters})
    assert filterset.is_valid(), filterset.errors
    return [a.title for a in filterset.qs]


@pytest.fixture
def texts():
    ActivityFactory(
        title="宽带连接在非洲", summary="为农村学校提供宽带。", language="zh-hans", year=2024
    )
    ActivityFactory(
        title="Stratégies numériques nationales",
        summary="Des plans pour les services publics en ligne.",
        language="fr",
        year=2023,
    )
    ActivityFactory(
        title="Estrategias digitales", summary="Conectividad de escuelas.", language="es"
    )
    ActivityFactory(
        title="Цифровые технологии", summary="Обучение учителей в школах.", language="ru"
    )
    ActivityFactory(title="الحكومة الإلكترونية", summary="خدمات المدارس الرقمية", language="ar")
    ActivityFactory(title="Broadband for rural schools", summary="Connecting.", language="en")
    ActivityFactory(
        title="人工智能治理", summary="宽带草稿", language="zh-hans", status=Activity.Status.DRAFT
    )


def test_bigrams_of_chinese_runs():
    assert cjk_bigrams("宽带连接 in 非洲, 网") == ["宽带", "带连", "连接", "非洲", "网"]
    assert cjk_bigrams("no Chinese") == []


def test_chinese_word_finds_a_chinese_title(texts):
    assert found("宽带") == ["宽带连接在非洲"]


def test_french_word_finds_its_inflected_form(texts):
    assert found("numérique") == ["Stratégies numériques nationales"]


def test_drafts_are_never_found(texts):
    assert found("人工智能") == []


@postgres_only
def test_a_whole_chinese_sentence_is_not_one_token(texts):
    assert found("连接") == ["宽带连接在非洲"]
    assert found("非洲宽带") == []  # the pairs must follow each other
    assert found("农村学校") == ["宽带连接在非洲"]


@postgres_only
def test_each_language_is_stemmed_with_its_own_configuration(texts):
    assert found("stratégie") == ["Stratégies numériques nationales"]
    assert found("estrategia") == ["Estrategias digitales"]
    assert found("школа") == ["Цифровые технологии"]
    assert found("school") == ["Broadband for rural schools"]


@postgres_only
def test_words_of_several_languages_and_chinese_combine(texts):
    assert found("宽带 numérique") == []
    assert found("宽带 非洲") == ["宽带连接在非洲"]


@postgres_only
def test_relevance_comes_first_when_searching():
    ActivityFactory(title="Other work", summary="Schools and broadband.", year=2025)
    ActivityFactory(title="Broadband", summary="Broadband broadband.", year=2010)

    assert found("broadband") == ["Broadband", "Other work"]


def test_the_index_counts_what_the_search_finds(texts):
    filterset = ActivityFilter({"q": "宽带"})
    assert filterset.is_valid()

    counts = filterset.facet_counts()

    assert counts["total"] == 1
    assert counts["language"] == {"zh-hans": 1}


def test_a_query_of_stop_words_or_signs_finds_nothing_and_fails_nothing(client, texts):
    for q in ("the", "-", "!!", "«»"):
        response = client.get("/activities/", {"q": q})

        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0
