"""The desk in a real browser: an agent works an item from claim to a rated resolution,
a lead resolves an issue cluster in one action and sees the KPIs move, and an agent is
kept out of what is not theirs."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_an_agent_works_an_item_from_claim_to_resolve_with_a_rating(browse, screenshots):
    page = browse("ann")
    expect(page.locator("h1")).to_have_text("Your queues")
    page.click("a[href='/queue/care']")
    expect(page.locator("h1")).to_contain_text("care queue")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 50  # a full first page
    expect(rows.first.locator("td.sla")).to_contain_text(re.compile(r"due in|breached"))
    page.select_option("select[name=sentiment]", "negative")
    page.click("form.filters button")
    expect(page.locator("h1 small")).to_contain_text("items")
    page.screenshot(path=str(screenshots / "queue.png"), full_page=False)

    rows.first.locator("td.title a").click()
    expect(page.locator("h2", has_text="Why it is here")).to_be_visible()
    expect(page.locator("h2", has_text="Author")).to_be_visible()
    page.screenshot(path=str(screenshots / "item.png"), full_page=True)
    page.click("button[name=claim]")
    expect(page.locator(".flash.done")).to_have_text("claimed")
    page.fill("textarea[name=text]", "Sorry about that, we have sent you a DM to sort it out.")
    page.click("button[name=reply]")
    expect(page.locator(".flash.done")).to_have_text("reply recorded")
    page.click("button[name=resolve]")
    expect(page.locator(".flash.done")).to_have_text("resolved")
    page.select_option("select[name=score]", "5")
    page.click("button[name=rate]")
    expect(page.locator(".flash.done")).to_have_text("rated 5")
    expect(page.locator(".meta .status")).to_have_text("resolved · ann")
    expect(page.locator("ol.events li")).to_have_count(5)


def test_an_agent_cannot_open_another_teams_queue_or_admin_pages(browse):
    page = browse("ann")
    for path in ("/queue/community", "/admin/users"):
        answer = page.goto(path)
        assert answer.status == 403
        expect(page.locator("h1")).to_have_text("Cannot do that")
    forged = page.evaluate("""async () => {
        const r = await fetch('/items/1/claim', {method: 'POST',
            headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: ''});
        return r.status; }""")
    assert forged == 403
