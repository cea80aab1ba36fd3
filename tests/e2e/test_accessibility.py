"""axe-core on every main page, and what each page weighs over the wire."""

import gzip

import pytest

from activities.models import Activity

from .conftest import ARTIFACTS, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# A page with its styles, script and images; the report is one long document.
BUDGET = {"report": 600_000}
DEFAULT_BUDGET = 250_000


@pytest.fixture
def pages(report_2024, submission, contributor, live_settings):
    submission.start(by=contributor)
    live_settings.ACTIVITIES_PER_PAGE = 20  # as in production
    asks_about_a_mandate(submission)
    activity = Activity.objects.published().filter(entity__acronym="ITU").first()
    return {
        "home": "/",
        "listing": "/activities/",
        "listing, filtered": "/activities/?action_line=C5&region=africa",
        "detail": activity.get_absolute_url(),
        "entity": "/entities/ITU/",
        "reports": "/reports/",
        "report": f"/reports/{report_2024.slug}/",
        "login": "/accounts/login/",
        "mandates": "/mandates/",
        "mandates, statistics": "/mandates/stats/?action_line=C2",
    }, {
        "contributor home": "/contribute/",
        "contributor submission": submission.get_absolute_url(),
        "activity form": f"{submission.get_absolute_url()}activities/new/",
    }


def asks_about_a_mandate(submission):
    """The cycle asks about a paragraph that asks everyone: the submission's page has
    its form, the public page its heading."""
    from mandates.models import Addressee, Mandate, Resolution

    resolution = Resolution.objects.create(symbol="A/RES/80/173", title_en="Outcome")
    mandate = Mandate.objects.create(resolution=resolution, paragraph=24, summary_en="Include.")
    Addressee.objects.create(mandate=mandate, label="all stakeholders", scope="all")
    mandate.cycles.add(submission.cycle)


def weigh(context, url):
    """Load ``url`` with an empty cache; the bytes of every response, raw and gzipped."""
    tab = context.new_page()
    cdp = context.new_cdp_session(tab)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    responses = []
    tab.on("response", lambda response: responses.append(response))
    tab.goto(url, wait_until="load")
    raw = zipped = 0
    for response in responses:
        body = response.body() if response.status < 300 else b""
        raw += len(body)
        zipped += len(gzip.compress(body))
    return tab, len(responses), raw, zipped


def test_the_main_pages_pass_axe_and_stay_light(browser, live_server, pages):
    public, private = pages
    found, weights = {}, []
    for logged_in, urls in ((False, public), (True, private)):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
        if logged_in:
            log_in(context.new_page(), "alice")
        for name, url in urls.items():
            tab, requests, raw, zipped = weigh(context, url)
            assert tab.locator("h1").count() == 1, f"{name}: not exactly one h1"
            assert tab.locator("link[href*='site.css']").count() == 1
            assert tab.evaluate("getComputedStyle(document.body).fontFamily").startswith(
                "system-ui"
            )
            if violations := axe_violations(tab):
                found[name] = violations
            weights.append((name, url, requests, raw, zipped))
            tab.close()
        context.close()

    ARTIFACTS.mkdir(exist_ok=True)
    table = "\n".join(
        f"{name:24} {requests:3} requests {raw / 1000:8.1f} kB ({zipped / 1000:6.1f} kB gzipped)"
        f"  {url}"
        for name, url, requests, raw, zipped in weights
    )
    (ARTIFACTS / "page-weight.txt").write_text(table + "\n", encoding="utf-8")
    print("\n" + table)
    assert found == {}, "\n".join(
        f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['targets']}"
        for name, violations in found.items()
        for v in violations
    )
    heavy = [w for w in weights if w[3] > BUDGET.get(w[0], DEFAULT_BUDGET)]
    assert heavy == []
