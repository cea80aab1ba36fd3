"""The public's journey through published work, in a real browser."""

import csv
import io

import pytest

from ..factories import ActivityFactory, EntityFactory, ReferenceFactory, UserFactory
from .conftest import SHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def published():
    itu = EntityFactory(acronym="ITU", name_en="International Telecommunication Union")
    unesco = EntityFactory(acronym="UNESCO", name_en="UNESCO")
    for n in range(7):
        ActivityFactory(
            title=f"Cybersecurity drill {n + 1}",
            entity=itu,
            year=2023,
            action_lines=["C5"],
            regions=["africa"],
        )
    ActivityFactory(title="Open schools", entity=unesco, action_lines=["C3"], regions=["europe"])
    ActivityFactory(title="Drill in Europe", entity=itu, action_lines=["C5"], regions=["europe"])
    ReferenceFactory(activity=ActivityFactory(title="Unpublished", entity=itu, status="draft"))


@pytest.fixture
def staff_focal_point(db):
    """A focal point who is also secretariat staff: the header's longest menu."""
    from reviews.rules import MANAGERS

    return UserFactory(
        username="sam",
        groups=[MANAGERS],
        is_staff=True,
        entities=[EntityFactory(acronym="ENTS", name_en="Entity S")],
    )


def open_facet(page, name):
    facet = page.locator("details.facet", has=page.locator(f'input[name="{name}"]'))
    if facet.get_attribute("open") is None:
        facet.locator("summary").click()


def test_public_journey_filter_open_follow_download_page(page, published):
    page.goto("/activities/")
    page.locator('input[name="action_line"][value="C5"]').check()
    open_facet(page, "region")
    page.locator('input[name="region"][value="africa"]').check()
    page.get_by_role("button", name="Apply filters").click()

    heading = page.get_by_role("heading", level=2, name="7 activities")
    heading.wait_for()
    chips = page.get_by_role("list", name="Active filters").get_by_role("link")
    assert chips.count() == 2
    assert "action_line=C5" in page.url and "region=africa" in page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_text("utf-8-sig"))))
    assert len(rows) == 7

    page.get_by_role("link", name="Next").click()
    page.get_by_text("Page 2 of 2").wait_for()
    assert page.locator("article.card").count() == 2

    page.locator("article.card h3 a").first.click()
    page.get_by_role("heading", level=1, name="Cybersecurity drill").wait_for()
    page.get_by_role("link", name="International Telecommunication Union (ITU)").click()
    page.get_by_role("heading", level=1, name="International Telecommunication Union").wait_for()
    assert page.url.endswith("/entities/ITU/")
    assert page.get_by_text("Unpublished").count() == 0


def test_an_empty_result_says_so_and_offers_a_way_back(page, published):
    page.goto("/activities/?action_line=C11")

    page.get_by_text("No published activity matches these filters.").wait_for()
    page.get_by_role("link", name="see all activities").click()
    page.get_by_role("heading", level=2, name="9 activities").wait_for()


def test_the_filters_collapse_into_a_panel_on_a_phone(page, published):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/activities/")
    checkbox = page.locator('input[name="action_line"][value="C5"]')
    assert not checkbox.is_visible()

    page.locator("summary", has_text="Filter").first.click()

    assert checkbox.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_an_activity_prints_without_the_site_around_it(page, published):
    activity = ActivityFactory(title="Printed", action_lines=["C5"])
    page.goto(activity.get_absolute_url())

    page.emulate_media(media="print")

    assert page.get_by_role("heading", level=1, name="Printed").is_visible()
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.locator(".site-footer").is_visible()
    assert page.locator(".brand").evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)"


@pytest.mark.parametrize("logged_in", [False, True], ids=["logged-out", "logged-in"])
def test_the_header_fits_a_phone_logged_in_and_out(page, published, staff_focal_point, logged_in):
    if logged_in:
        log_in(page, "sam")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/activities/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    header = page.locator(".site-header").bounding_box()
    assert header["x"] >= 0 and header["x"] + header["width"] <= 375
    if logged_in:
        account = page.get_by_role("link", name="Your account")
        box = account.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert page.get_by_role("button", name="Log out").is_visible()
        account.click()
        page.get_by_role("heading", level=1, name="Your account").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    else:
        assert page.get_by_role("link", name="Log in").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"public-header-375-{'in' if logged_in else 'out'}.png")


def in_viewport_of_its_box(page, locator):
    """Whether the element is shown inside its scrolling box (if any) and the window."""
    return locator.evaluate(
        """el => {
            const r = el.getBoundingClientRect();
            const box = el.closest('.facet-options').getBoundingClientRect();
            return r.top >= box.top && r.bottom <= box.bottom + 1
                && r.top >= 0 && r.bottom <= window.innerHeight;
        }"""
    )


def test_c7_sub_areas_are_in_reach_and_chosen_values_stay_in_view(page, published):
    for n in range(14):
        ActivityFactory(
            title=f"Health {n}",
            entity=EntityFactory(acronym=f"E{n:02}"),
            action_lines=["C7.e-health"],
        )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/activities/")

    sub_area = page.locator('input[type=checkbox][name="action_line"][value="C7.e-health"]')
    lines = page.locator("ul.facet-options", has=sub_area)
    assert lines.evaluate("el => getComputedStyle(el).overflowY") == "visible"
    sub_area.scroll_into_view_if_needed()
    assert sub_area.is_visible()
    sub_area.check()
    open_facet(page, "entity")
    last = page.locator('input[type=checkbox][name="entity"][value="E13"]')
    last.scroll_into_view_if_needed()
    last.check()
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("heading", level=2, name="1 activity").wait_for()

    chosen_entity = page.locator('input[type=checkbox][name="entity"][value="E13"]')
    assert chosen_entity.is_checked()
    entities = page.locator("ul.facet-options", has=chosen_entity)
    assert entities.locator("input").first.get_attribute("value") == "E13"  # listed first
    chosen_entity.scroll_into_view_if_needed()
    assert in_viewport_of_its_box(page, chosen_entity)
    assert entities.evaluate("el => el.scrollTop") == 0  # no scrolling inside the box needed
    assert page.locator('input[type=checkbox][value="C7.e-health"]').is_checked()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("form.filters").screenshot(path=SHOTS / "public-filters-c7-chosen.png")


def test_an_arabic_reader_meets_english_marked_as_such_and_un_documents_in_arabic(page, published):
    from reviews.models import ReviewCycle

    from ..factories import SubmissionFactory

    itu = EntityFactory(
        acronym="APC",
        name_en="Association for Progressive Communications",
        website="https://www.apc.org/",
        description="A network of civil society organisations.",
    )
    cycle = ReviewCycle.objects.create(slug="report-2024", title="2024 report", state="published")
    SubmissionFactory(cycle=cycle, entity=itu, state="published")
    activity = ActivityFactory(title="Community networks", entity=itu, cycle=cycle, language="en")
    ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132", label="Resolution")
    ActivityFactory(title="Joint survey", partners=[itu])
    page.goto(activity.get_absolute_url())
    page.get_by_label("Language").select_option("ar")
    page.wait_for_function("document.documentElement.lang === 'ar'")

    assert page.locator("html").get_attribute("dir") == "rtl"
    symbol = page.get_by_role("link", name="A/RES/78/132")
    assert symbol.get_attribute("href") == "https://docs.un.org/ar/A/RES/78/132"
    name = page.locator("bdi", has_text="Association for Progressive Communications")
    assert name.get_attribute("lang") == "en"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "public-activity-ar.png", full_page=True)

    page.get_by_role("link", name="Association for Progressive Communications (APC)").click()
    page.get_by_role("heading", level=1).wait_for()
    assert page.get_by_role("link", name="https://www.apc.org/").is_visible()
    assert page.locator(".description").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="2024 report", exact=True).get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Joint survey").is_visible()
    page.screenshot(path=SHOTS / "public-entity-ar.png", full_page=True)
