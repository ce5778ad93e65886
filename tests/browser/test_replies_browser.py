"""Answering from the desk in a real browser: an agent's reply goes out and its link comes
back on the item; a lead approves a draft; a cluster's accepted answer is sent to every
author and each one's state shows; a customer rates on the public page and the
customers' CSAT moves. The sender is the real one, posting through unmodified tweepy to a
loopback server that speaks X's write API (tests/desk/test_replies.py)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import duckdb
from playwright.sync_api import expect

from carewire.app import pipeline
from tests.conftest import Reply as Answer
from tests.connectors.x.payloads import created, snowflake
from tests.desk.test_replies import sender

POSTED = snowflake(datetime(2026, 11, 24, 9, tzinfo=timezone.utc))


def posting_live(settings, **desk):
    """The desk's settings, posting to the loopback server instead of replaying the
    sample's recordings (and with `desk` settings changed)."""
    return settings.model_copy(update={
        "http": settings.http.model_copy(update={"replay_dir": None}),
        "desk": settings.desk.model_copy(update=desk)})


def send_now(settings, server):
    """What the send_replies DAG does every 2 minutes."""
    server.route("/2/tweets", Answer(201, created(POSTED, "posted")))
    return sender(settings, server, datetime.now(timezone.utc))


def open_x_item(page, team: str = "care"):
    page.goto(f"/queue/{team}?source=x&status=open")
    page.locator("table.queue tbody tr").first.locator("td.title a").click()
    expect(page.locator("h2", has_text="The post")).to_be_visible()


def test_an_agent_replies_and_sees_the_posted_link(browse, live_desk, server, screenshots):
    page = browse("ann")
    open_x_item(page)
    page.fill("textarea[name=text]", "Sorry about the roaming, Ada: restart once, please.")
    page.click("button[name=reply]")
    expect(page.locator("section.replies")).to_contain_text("sending…")

    assert send_now(posting_live(live_desk.app.state.settings), server)["posted"] == 1
    page.reload()
    link = page.locator("section.replies a", has_text="see it on x")
    expect(link).to_have_attribute("href", f"https://x.com/i/web/status/{POSTED}")
    expect(page.locator("ol.events")).to_contain_text("replied")
    page.screenshot(path=str(screenshots / "reply-posted.png"), full_page=True)


def test_a_lead_edits_and_approves_a_draft_before_it_goes(browse, live_desk, server):
    settings = posting_live(live_desk.app.state.settings, approval_teams=["care"])
    live_desk.app.state.settings = settings  # as `carewire desk` starts with this config
    agent, lead = browse("ann"), browse("lee")
    open_x_item(agent)
    agent.fill("textarea[name=text]", "We will fix it by Friday.")
    agent.click("button[name=reply]")
    expect(agent.locator(".flash.done")).to_contain_text("approval")
    assert send_now(settings, server)["posted"] == 0  # nothing goes before a lead says so

    lead.goto("/approvals")
    draft = lead.locator("section.card", has_text="We will fix it by Friday.")
    draft.locator("textarea[name=text]").fill("We are working on it and will update you.")
    draft.locator("button[value=approve]").click()
    expect(lead.locator(".flash.done")).to_contain_text("approved")
    expect(lead.locator("body")).to_contain_text("No reply is waiting for approval.")

    assert send_now(settings, server)["posted"] == 1
    [body] = [json.loads(hit["_body"]) for hit in server.hits("/2/tweets")]
    assert body["text"] == "We are working on it and will update you."
    agent.reload()
    expect(agent.locator("section.replies")).to_contain_text("see it on x")
    expect(agent.locator("ol.events")).to_contain_text("reply_approved by lee")


def test_an_agent_sends_a_cluster_s_answer_to_every_author_and_sees_each_state(
        browse, live_desk, server, screenshots):
    from carewire.core.delivery import Delivery, MentionRef
    from carewire.core.replies import answer_offer

    settings = live_desk.app.state.settings
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        asked = con.execute("""
            SELECT m.source, m.source_id, m.url, coalesce(a.handle, m.author_id), m.text,
                   m.created_at
            FROM core__mentions m LEFT JOIN core__authors a USING (source, author_id)
            WHERE m.source = 'x' ORDER BY m.created_at LIMIT 3""").fetchall()
    url = "https://community.kestrel.example/t/roaming/42/3"
    for n, (source, source_id, link, author, text, created_at) in enumerate(asked):
        live_desk.app.state.desk.add(Delivery(
            f"offer-{n}", "desk", "answer_offer", "mention", "cl-answered",
            (MentionRef(source, source_id, link, author, text, created_at),), text[:80],
            answer_offer(author, source, url), "care", "low", created_at, "accepted-answer",
            f"accepted answer in {url}", (), ()))
    page = browse("ann")
    page.goto("/clusters/cl-answered")
    rows = page.locator("table.grid", has_text="Platform").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.locator("td.state")).to_have_text(["not sent"] * 3)
    page.click("button[name=answer_everyone]")
    expect(page.locator(".flash.done")).to_contain_text("queued the answer for 3 author(s)")
    expect(rows.locator("td.state")).to_have_text(["sending…"] * 3)
    expect(page.locator("button[name=answer_everyone]")).to_have_count(0)  # nothing twice

    assert send_now(posting_live(settings), server)["posted"] == 3
    page.reload()
    expect(rows.locator("td.state a")).to_have_text(["posted"] * 3)
    page.screenshot(path=str(screenshots / "answer-everyone.png"), full_page=True)


def test_a_customer_rates_on_the_public_page_and_the_customers_csat_moves(
        browse, chromium, live_desk, server, screenshots):
    settings = posting_live(live_desk.app.state.settings, rating_request_teams=["care"],
                            public_url=live_desk.url)
    lead, agent = browse("lee"), browse("ann")
    lead.goto("/dashboard")
    customers = lead.locator(".tile.csat-customers")
    expect(customers).to_contain_text("(0 ratings they gave)")

    open_x_item(agent)
    agent.click("button[name=resolve]")
    expect(agent.locator(".flash.done")).to_have_text("resolved")
    assert send_now(settings, server)["rating_requests_queued"] == 1
    [request] = [json.loads(hit["_body"]) for hit in server.hits("/2/tweets")]
    link = re.search(r"(http://127\.0\.0\.1:\d+/rate/[\w-]+)", request["text"]).group(1)

    customer = chromium.new_context(java_script_enabled=False).new_page()  # no sign-in
    customer.goto(link)
    customer.check("input[name=score][value='4']")
    customer.fill("textarea[name=comment]", "Quick and kind.")
    customer.screenshot(path=str(screenshots / "rating-page.png"), full_page=True)
    customer.click("button[type=submit]")
    expect(customer.locator(".flash.done")).to_contain_text("Thank you")
    customer.goto(link)
    expect(customer.locator(".flash.done")).to_contain_text("recorded already")
    customer.context.close()

    pipeline.sync_outcomes(settings, {}, datetime.now(timezone.utc))
    pipeline.publish(settings)
    lead.reload()
    expect(customers.locator(".value")).to_have_text("100%")
    expect(customers).to_contain_text("(1 ratings they gave)")
    agent.reload()
    expect(agent.locator("ol.events")).to_contain_text("rated by customer")
