"""The listing's filters and the login form with the keyboard alone."""

import pytest

from ..factories import ActivityFactory, EntityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def tab_to(page, selector, limit=80):
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")


def focus_is_visible(page):
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    return style[0] != "none" and style[1] != "0px"


def test_the_skip_link_comes_first_and_moves_to_the_content(page):
    page.goto("/activities/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_the_listing_filters_with_the_keyboard_alone(page):
    itu = EntityFactory(acronym="ITU")
    ActivityFactory(title="Drill", entity=itu, action_lines=["C5"], regions=["africa"])
    ActivityFactory(title="Schools", entity=itu, action_lines=["C3"], regions=["europe"])
    page.goto("/activities/")

    tab_to(page, 'input[name="action_line"][value="C5"]')
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    tab_to(page, ".filter-actions button")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")

    page.get_by_role("heading", level=2, name="1 activity").wait_for()
    tab_to(page, ".chips a")  # the chip removes the filter
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=2, name="2 activities").wait_for()


def test_the_login_form_with_the_keyboard_alone(page, contributor):
    page.goto("/accounts/login/")

    tab_to(page, "#id_username")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    page.get_by_role("alert").wait_for()
    tab_to(page, "#id_password")
    page.keyboard.type("a-long-test-password")
    page.keyboard.press("Enter")

    page.get_by_role("button", name="Log out").wait_for()
    assert page.get_by_text("alice", exact=True).is_visible()
