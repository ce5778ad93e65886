"""The desk web app through HTTP, on a real desk store and snapshot from the demo run."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from carewire.desk.accounts import desk_audit, desk_sessions
from carewire.desk.schema import desk_items
from tests.desk.conftest import PASSWORD, DeskUser, csrf_of


def first_item(user: DeskUser, team: str, **filters) -> int:
    page = user.get(f"/queue/{team}", params=filters)
    assert page.status_code == 200
    return int(re.search(r'href="/items/(\d+)"', page.text).group(1))


def audit_actions(app) -> list[tuple[str | None, str, str | None]]:
    with app.state.desk.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(desk_audit.c.actor, desk_audit.c.action, desk_audit.c.target)
            .order_by(desk_audit.c.audit_id))]


def test_every_page_needs_a_signed_in_user(desk_app):
    anonymous = DeskUser(desk_app, "nobody")
    for path in ("/", "/queue/care", "/items/1", "/admin/users", "/clusters/x"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    assert anonymous.client.post("/items/1/claim", data={}).status_code == 303


def test_a_wrong_password_is_refused_audited_and_locks_after_five(desk_app):
    user = DeskUser(desk_app, "ann")
    for _ in range(5):
        answer = user.sign_in("not the password at all")
        assert answer.status_code == 401
        assert "do not match an active desk user" in answer.text
    locked = user.sign_in()  # now even the right password waits out the lock
    assert locked.status_code == 401 and "do not match an active desk user" in locked.text
    unknown = DeskUser(desk_app, "nobody-here").sign_in()  # reads the same as a known name
    assert unknown.status_code == 401 and unknown.text.count("do not match") == 1
    assert audit_actions(desk_app).count((None, "sign_in_failed", "ann")) == 5
    assert ("ann", "sign_in_refused", "ann") in audit_actions(desk_app)


def test_the_password_is_stored_hashed_and_the_session_token_only_as_a_hash(desk_app, sign_in):
    user = sign_in("ann")
    with desk_app.state.desk.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM desk_users WHERE name='ann'")
                              ).scalar()
        tokens = conn.execute(sa.select(desk_sessions.c.token_sha256)).scalars().all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    cookie = user.client.cookies.get("carewire_session")
    assert cookie and cookie not in tokens and len(tokens) == 1


def test_an_agent_sees_only_their_teams_queue_and_no_admin_page(desk_app, sign_in):
    ann = sign_in("ann")  # agent, team care
    home = ann.get("/")
    assert "/queue/care" in home.text and "/queue/community" not in home.text
    assert ann.get("/queue/care").status_code == 200
    assert ann.get("/queue/community").status_code == 403
    community_item = first_item(sign_in("cid"), "community")
    assert ann.get(f"/items/{community_item}").status_code == 403
    assert ann.post(f"/items/{community_item}/claim").status_code == 403
    for path in ("/admin/users", "/admin/audit"):
        refused = ann.get(path)
        assert refused.status_code == 403 and "for admins" in refused.text
    assert ("ann", "refused", "/queue/community") in audit_actions(desk_app)


def test_leads_see_every_queue_and_only_admins_manage_users(desk_app, sign_in):
    lee = sign_in("lee")
    assert all(lee.get(f"/queue/{team}").status_code == 200
               for team in ("care", "community", "advocacy"))
    assert lee.get("/admin/users").status_code == 403
    ada = sign_in("ada")
    assert ada.get("/admin/users").status_code == 200
    added = ada.post("/admin/users", {"name": "bo", "password": "another long secret",
                                      "role": "agent", "teams": "advocacy"}, page="/admin/users")
    assert added.status_code == 303 and "user+added" in added.headers["location"]
    weak = ada.post("/admin/users", {"name": "cy", "password": "carewire2026!",
                                     "role": "lead"}, page="/admin/users")
    assert weak.status_code == 303 and "too+easy+to+guess" in weak.headers["location"]
    shown = ada.get(weak.headers["location"])
    assert "the password for cy is too easy to guess: Add another word or two." in shown.text
    assert "cy" not in [user.name for user in desk_app.state.accounts.users()]
    bo = DeskUser(desk_app, "bo")
    assert bo.sign_in("another long secret").status_code == 303
    assert bo.get("/queue/advocacy").status_code == 200
    assert bo.get("/queue/care").status_code == 403


def test_a_form_post_without_the_csrf_token_is_refused(desk_app, sign_in):
    ann = sign_in("ann")
    item = first_item(ann, "care")
    for data in ({}, {"csrf_token": "forged"}):
        refused = ann.client.post(f"/items/{item}/claim", data=data)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert desk_app.state.desk.item(item).status == "open"
    page = DeskUser(desk_app, "ann").client.get("/login")  # a sign-in form from elsewhere
    forged = DeskUser(desk_app, "ann").client.post(
        "/login", data={"name": "ann", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert forged.status_code == 403
    assert [a for a in audit_actions(desk_app) if a[1] == "refused"][:2] == [
        ("ann", "refused", f"/items/{item}/claim")] * 2


def test_an_item_is_worked_from_claim_to_resolve_with_a_rating(desk_app, sign_in):
    ann = sign_in("ann")
    item = first_item(ann, "care")
    page = ann.get(f"/items/{item}")
    assert page.status_code == 200
    for heading in ("The post", "Author", "How it was read", "Why it is here"):
        assert heading in page.text
    assert "open the original" in page.text
    steps = [("claim", {}), ("reply", {"text": "Sorry about that: we sent you a DM."}),
             ("resolve", {}), ("rate", {"score": "5"})]
    for action, data in steps:
        done = ann.post(f"/items/{item}/{action}", data, page=f"/items/{item}")
        assert done.status_code == 303 and "done=" in done.headers["location"], action
    events = desk_app.state.desk.events(item_ids=[item])
    assert [e.kind for e in events] == ["delivered", "claimed", "reply_queued", "resolved",
                                        "rated"]
    assert events[-1].data["score"] == 5 and all(e.actor == "ann" for e in events[1:])
    audit = DeskUser(desk_app, "ada")
    audit.sign_in()
    log = audit.get("/admin/audit").text
    assert f"item {item}" in log and "resolved" in log


def test_a_refused_action_says_why_on_the_item(desk_app, sign_in):
    ann = sign_in("ann")
    item = first_item(ann, "care")
    ann.post(f"/items/{item}/resolve", page=f"/items/{item}")
    again = ann.post(f"/items/{item}/resolve", page=f"/items/{item}")
    shown = ann.get(again.headers["location"])
    assert "already resolved: reopen it" in shown.text
    for score in ("9", "\u00b2", "\u0661\u0662"):  # out of range, a superscript, Arabic-Indic 12
        bad = ann.post(f"/items/{item}/rate", {"score": score}, page=f"/items/{item}")
        assert bad.status_code == 303, score
        assert "from 1 (worst) to 5 (best)" in ann.get(bad.headers["location"]).text


def test_a_whole_cluster_is_resolved_in_one_action(desk_app, sign_in):
    desk = desk_app.state.desk
    with desk.engine.connect() as conn:
        cluster_id, team = conn.execute(
            sa.select(desk_items.c.cluster_id, desk_items.c.team)
            .where(desk_items.c.cluster_id.is_not(None), desk_items.c.team == "care")
            .limit(1)).one()
    lee = sign_in("lee")
    extra = [desk.add(delivery) for delivery in _copies_in_cluster(desk, cluster_id, 3)]
    ann = sign_in("ann")
    held = extra[0][0]
    desk.claim(held, "someone-else")
    cluster_page = lee.get(f"/clusters/{cluster_id}")
    assert cluster_page.status_code == 200 and "Who asked" in cluster_page.text
    done = lee.post(f"/clusters/{cluster_id}/resolve", page=f"/clusters/{cluster_id}")
    assert done.status_code == 303
    assert "left%3A+%23" in done.headers["location"]
    statuses = {i.item_id: i.status for i in desk.cluster_items(cluster_id)}
    assert statuses.pop(held) == "claimed"
    assert set(statuses.values()) == {"resolved"} and len(statuses) >= 3
    assert ann.get(f"/items/{held}").status_code == 200


def _copies_in_cluster(desk, cluster_id: str, n: int):
    """More deliveries of one cluster, as answer offers to its other authors would be."""
    from dataclasses import replace

    from carewire.core.delivery import Delivery

    base = desk.cluster_items(cluster_id)[0]
    for i in range(n):
        yield Delivery(key=f"extra-{cluster_id}-{i}", destination="desk", route=base.route,
                       unit="mention", cluster_id=cluster_id,
                       mentions=tuple(replace(m) for m in base.mentions), title=base.title,
                       body=base.body, team=base.team, priority=base.priority,
                       sla_due_at=base.sla_due_at, rule_id=base.rule_id, reason=base.reason)


def test_send_to_the_contact_center_moves_route_and_team(desk_app, sign_in):
    cid = sign_in("cid")
    item = first_item(cid, "community")
    moved = cid.post(f"/items/{item}/send", {"route": "contact_center"}, page=f"/items/{item}")
    assert moved.status_code == 303
    after = desk_app.state.desk.item(item)
    assert (after.route, after.team, after.status) == ("contact_center", "care", "open")
    assert cid.get(f"/items/{item}").status_code == 403  # no longer in cid's queue
    assert sign_in("ann").get(f"/items/{item}").status_code == 200


def test_queue_filters_and_paging_happen_in_the_store(desk_app, sign_in):
    lee = sign_in("lee")
    desk = desk_app.state.desk
    negative = desk.count("care", ("open", "claimed"), sentiment="negative")
    page = lee.get("/queue/care", params={"sentiment": "negative"})
    assert f"{negative} items" in page.text
    rows = re.findall(r'<tr class="prio-', page.text)
    assert len(rows) == min(negative, desk_app.state.settings.desk.page_size)
    assert 0 < negative < desk.count("care", ("open", "claimed"))
    everything = lee.get("/queue/community")
    threads = desk.count("community", ("open", "claimed"))
    pages = -(-threads // desk_app.state.settings.desk.page_size)
    assert pages > 1 and f"page 1 of {pages}" in everything.text
    second = lee.get("/queue/community", params={"page": 2})
    ids = lambda html: set(re.findall(r'href="/items/(\d+)"', html))  # noqa: E731
    assert ids(second.text) and not ids(second.text) & ids(everything.text)
    assert lee.get("/queue/care", params={"status": "nonsense"}).status_code == 400


def test_a_session_expires_after_idle_time(desk_app, sign_in, clock):
    ann = sign_in("ann")
    clock.advance(minutes=29)
    assert ann.get("/queue/care").status_code == 200
    clock.advance(minutes=31)
    expired = ann.get("/queue/care")
    assert expired.status_code == 303 and "expired=1" in expired.headers["location"]
    assert "Your session expired" in ann.get(expired.headers["location"]).text


def test_signing_out_ends_the_session(desk_app, sign_in):
    ann = sign_in("ann")
    cookie = ann.client.cookies.get("carewire_session")
    assert ann.post("/logout").status_code == 303
    stale = DeskUser(desk_app, "ann")
    stale.client.cookies.set("carewire_session", cookie)
    assert stale.get("/queue/care").status_code == 303


def test_pages_carry_security_headers_and_escape_post_text(desk_app, sign_in):
    ann = sign_in("ann")
    item = first_item(ann, "care")
    ann.post(f"/items/{item}/claim", page=f"/items/{item}")
    ann.post(f"/items/{item}/reply", {"text": "<script>alert(1)</script>"}, page=f"/items/{item}")
    page = ann.get(f"/items/{item}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_an_agent_cannot_read_a_cluster_of_another_teams_queue(desk_app, sign_in):
    desk = desk_app.state.desk
    with desk.engine.connect() as conn:
        care_only = conn.execute(sa.text("""
            SELECT cluster_id FROM desk_items WHERE cluster_id IS NOT NULL GROUP BY cluster_id
            HAVING min(team) = 'care' AND max(team) = 'care' LIMIT 1""")).scalar()
    assert sign_in("ann").get(f"/clusters/{care_only}").status_code == 200
    refused = sign_in("cid").get(f"/clusters/{care_only}")
    assert refused.status_code == 403 and "Who asked" not in refused.text
    assert sign_in("lee").get("/queue/no-such-team").status_code == 404


def test_a_resolved_item_is_reopened_and_an_agent_records_the_rating_once(desk_app, sign_in):
    ann = sign_in("ann")
    item = first_item(ann, "care")
    for action, data in (("resolve", {}), ("rate", {"score": "4"})):
        ann.post(f"/items/{item}/{action}", data, page=f"/items/{item}")
    again = ann.post(f"/items/{item}/rate", {"score": "1"}, page=f"/items/{item}")
    assert "ask a lead to correct it" in ann.get(again.headers["location"]).text
    lee = sign_in("lee")
    lee.post(f"/items/{item}/rate", {"score": "5"}, page=f"/items/{item}")
    assert [e.data["score"] for e in desk_app.state.desk.events(item_ids=[item])
            if e.kind == "rated"] == [4, 5]
    reopened = ann.post(f"/items/{item}/reopen", page=f"/items/{item}")
    assert "done=reopened" in reopened.headers["location"]
    assert desk_app.state.desk.item(item).status == "open"


def test_only_web_links_are_rendered_as_links(desk_app, sign_in):
    desk = desk_app.state.desk
    ann = sign_in("ann")
    item = first_item(ann, "care")
    mentions = [{**m.__dict__, "url": "javascript:alert(1)",
                 "created_at": m.created_at.isoformat()} for m in desk.item(item).mentions]
    with desk.engine.begin() as conn:  # a platform that sent a script link as the post URL
        conn.execute(desk_items.update().where(desk_items.c.item_id == item)
                     .values(mentions=mentions))
    page = ann.get(f"/items/{item}").text
    assert "javascript:alert(1)" not in page and "open the original" not in page


def test_sign_in_never_sends_anyone_to_another_site(desk_app):
    user = DeskUser(desk_app, "ann")
    for target in ("//evil.example/", "/\\evil.example", "https://evil.example/"):
        page = user.client.get("/login", params={"next": target})
        answer = user.client.post("/login", data={"name": "ann", "password": PASSWORD,
                                                  "csrf_token": csrf_of(page.text),
                                                  "next": target})
        assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_the_desk_works_the_same_on_postgresql_and_sqlite(desk_url, sample_settings):
    """The web app on an empty store of either backend: sign in, claim, audit."""
    from carewire.desk.web import create_app
    from carewire.routing.policy import policy_for
    from tests.desk.test_store import delivery

    sample_settings.routing.desk_url = desk_url
    app = create_app(sample_settings, policy_for(sample_settings).desk_teams())
    try:
        item_id, _ = app.state.desk.add(delivery())
        app.state.accounts.add_user("ann", PASSWORD, "agent", ["care"])
        app.state.accounts.add_user("ada", PASSWORD, "admin")
        ann = DeskUser(app, "ann")
        assert ann.sign_in().status_code == 303
        assert "1 item" in ann.get("/queue/care").text
        assert ann.post(f"/items/{item_id}/claim", page=f"/items/{item_id}").status_code == 303
        assert app.state.desk.item(item_id).assignee == "ann"
        ada = DeskUser(app, "ada")
        ada.sign_in()
        log = ada.get("/admin/audit").text
        assert f"item {item_id}" in log and "signed_in" in log
    finally:
        app.state.desk.close()


def test_a_link_from_elsewhere_cannot_put_words_on_a_desk_page(desk_app, sign_in):
    ann = sign_in("ann")
    item = first_item(ann, "care")
    lure = "Your session expired: sign in again at https://evil.example"
    page = ann.get(f"/items/{item}", params={"error": lure, "sig": "0" * 32})
    assert page.status_code == 200 and "evil.example" not in page.text
    done = ann.post(f"/items/{item}/claim", page=f"/items/{item}")
    assert "claimed" in ann.get(done.headers["location"]).text.split("<main>")[1][:200]


def test_numbers_out_of_range_are_refused_before_any_query(desk_app, sign_in):
    """Ids and page numbers the store cannot hold are a 422, never a 500 (issue 23)."""
    lee = sign_in("lee")
    for path in ("/items/99999999999999999999", "/items/0", "/items/-1",
                 "/queue/care?page=99999999999999999999", "/queue/care?page=0",
                 "/alerts?page=10000000"):
        assert lee.get(path).status_code == 422, path
    assert lee.post("/items/99999999999999999999/claim").status_code == 422
    assert lee.get("/items/\u0661\u0662").status_code in (404, 422)  # Arabic-Indic digits


def test_bodies_over_the_limit_crashes_and_floods_of_text_are_contained(desk_app, sign_in,
                                                                        monkeypatch):
    """Issue 23: the request body is bounded (said or streamed), a crash still carries the
    security headers, and nobody can write megabytes into the audit log."""
    from fastapi.testclient import TestClient

    from carewire.desk.web import MAX_BODY, SECURITY_HEADERS

    client = TestClient(desk_app, raise_server_exceptions=False)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    said = client.post("/login", content=b"name=" + b"a" * (MAX_BODY + 1), headers=form)
    ada = sign_in("ada")  # a form the app reads: an admin's, streamed with no length
    streamed = ada.client.post("/admin/users", headers=form, content=(
        b"a" * 8192 for _ in range(MAX_BODY // 8192 + 2)))
    for refused in (said, streamed):
        assert refused.status_code == 413
        assert refused.headers["X-Frame-Options"] == SECURITY_HEADERS["X-Frame-Options"]

    monkeypatch.setattr(desk_app.state.accounts, "users", lambda: 1 / 0)
    crashed = ada.get("/admin/users")
    assert crashed.status_code == 500 and "Content-Security-Policy" in crashed.headers

    page = client.get("/login")
    client.post("/login", data={"name": "x" * 20_000, "password": "wrong password!",
                                "csrf_token": csrf_of(page.text), "next": "/"})
    with desk_app.state.desk.engine.connect() as conn:
        longest = conn.execute(sa.select(sa.func.max(sa.func.length(desk_audit.c.target)))
                               ).scalar_one()
    assert longest < 300


def test_a_user_gets_only_teams_the_desk_has_queues_for(desk_app):
    from carewire.desk.accounts import AccountError

    with pytest.raises(AccountError, match="no queue for team biling"):
        desk_app.state.accounts.add_user("bea", PASSWORD, "agent", ["biling"])


def test_a_dashboard_filter_the_kpis_do_not_know_is_a_404_that_says_the_choices(desk_app,
                                                                               sign_in):
    lee = sign_in("lee")
    for query in ("?team=nope", "?source=nope", "?team=%00", "?source=x'--"):
        answer = lee.get(f"/dashboard{query}")
        assert answer.status_code == 404, query
        assert "in the KPIs: choose one of" in answer.text
    assert lee.get("/dashboard?team=care").status_code == 200


def test_a_reply_is_queued_for_its_platform_and_a_blog_reply_is_confirmed_by_hand(
        desk_app, sign_in):
    ann = sign_in("ann")
    for source, shown in (("x", "sending…"), ("feeds", "to post by hand")):
        item = first_item(ann, "care", source=source)
        done = ann.post(f"/items/{item}/reply", {"text": f"Thanks, {source} reply"},
                        page=f"/items/{item}")
        page = ann.get(done.headers["location"]).text
        assert ("posted on x within minutes" if source == "x" else "post it by hand") in page
        assert f"Thanks, {source} reply" in page and shown in page
    [reply] = desk_app.state.desk.outbox.of_items([item])  # the blog's
    sent = ann.post(f"/items/{item}/replies/{reply.reply_id}/sent", page=f"/items/{item}")
    assert "marked as sent by hand" in ann.get(sent.headers["location"]).text
    assert [e.kind for e in desk_app.state.desk.events(item_ids=[item])][-2:] == [
        "reply_queued", "replied"]
    other = first_item(ann, "care", source="x")
    refused = ann.post(f"/items/{other}/replies/{reply.reply_id}/sent", page=f"/items/{other}")
    assert "no reply" in ann.get(refused.headers["location"]).text  # not that item's reply


def test_a_team_s_replies_wait_for_a_lead_who_approves_edits_or_rejects(
        desk_app, sign_in, demo_settings):
    settings = demo_settings.model_copy(update={"desk": demo_settings.desk.model_copy(
        update={"approval_teams": ["care"]})})
    desk_app.state.settings = settings  # as `carewire desk` starts with this config
    ann, lee = sign_in("ann"), sign_in("lee")
    outbox = desk_app.state.desk.outbox
    items = []
    for text in ("First draft", "Another draft"):
        item = first_item(ann, "care", source="x", status="open")
        ann.post(f"/items/{item}/claim", page=f"/items/{item}")
        done = ann.post(f"/items/{item}/reply", {"text": text}, page=f"/items/{item}")
        assert "for a lead&#39;s approval" in ann.get(done.headers["location"]).text
        items.append(item)
    assert [r.status for i in items for r in outbox.of_items([i])] == ["awaiting_approval"] * 2
    assert outbox.due(datetime(2100, 1, 1, tzinfo=timezone.utc)) == []  # nothing goes yet

    assert ann.get("/approvals").status_code == 403  # an agent approves nothing
    page = lee.get("/approvals").text
    assert "First draft" in page and "Another draft" in page
    [first], [second] = (outbox.of_items([i]) for i in items)
    approved = lee.post(f"/replies/{first.reply_id}/review",
                        {"decision": "approve", "text": "First draft, edited by a lead"},
                        page="/approvals")
    assert "approved" in lee.get(approved.headers["location"]).text
    bare = lee.post(f"/replies/{second.reply_id}/review", {"decision": "reject"},
                    page="/approvals")
    assert "say why" in lee.get(bare.headers["location"]).text
    lee.post(f"/replies/{second.reply_id}/review",
             {"decision": "reject", "note": "promise no dates"}, page="/approvals")

    [first], [second] = (outbox.of_items([i]) for i in items)
    assert (first.status, first.reply.text) == ("queued", "First draft, edited by a lead")
    assert (second.status, second.last_error) == ("rejected", "rejected by lee: promise no dates")
    assert "rejected by lee: promise no dates" in ann.get(f"/items/{items[1]}").text
    kinds = [(e.kind, e.actor) for e in desk_app.state.desk.events(item_ids=[items[0]])]
    assert kinds[-2:] == [("reply_queued", "ann"), ("reply_approved", "lee")]
    again = lee.post(f"/replies/{first.reply_id}/review", {"decision": "approve"},
                     page="/approvals")
    assert "reviewed already" in lee.get(again.headers["location"]).text


def test_an_approval_team_the_desk_does_not_have_is_refused(demo_settings):
    from carewire.core.errors import ConfigError
    from carewire.desk.web import create_app
    from carewire.routing.policy import policy_for

    settings = demo_settings.model_copy(update={"desk": demo_settings.desk.model_copy(
        update={"approval_teams": ["caer"]})})
    with pytest.raises(ConfigError, match="approval_teams names caer"):
        create_app(settings, policy_for(settings).desk_teams())


def test_a_cluster_s_accepted_answer_goes_to_every_author_who_asked_once(
        desk_app, sign_in, demo_settings):
    import duckdb

    from carewire.core.delivery import Delivery, MentionRef
    from carewire.core.replies import answer_offer

    with duckdb.connect(str(demo_settings.snapshot), read_only=True) as con:
        asked = con.execute("""
            SELECT m.source, m.source_id, m.url, coalesce(a.handle, m.author_id), m.text,
                   m.created_at
            FROM core__mentions m LEFT JOIN core__authors a USING (source, author_id)
            WHERE m.source IN ('x', 'reddit') ORDER BY m.created_at LIMIT 3""").fetchall()
    url = "https://community.kestrel.example/t/roaming/42/3"
    desk = desk_app.state.desk
    for n, (source, source_id, link, author, text, created) in enumerate(asked):
        mention = MentionRef(source, source_id, link, author, text, created)
        desk.add(Delivery(f"offer-{n}", "desk", "answer_offer", "mention", "cl-answered",
                          (mention,), text[:80], answer_offer(author, source, url) + "\n\n> "
                          + text, "community", "low", created, "accepted-answer",
                          f"accepted answer in {url}", (), ()))
    ann = sign_in("ann")  # care: the offers are the community team's
    assert ann.get("/clusters/cl-answered").status_code == 403
    refused = ann.post("/clusters/cl-answered/answer-everyone", page="/")
    assert refused.status_code == 403 and desk.outbox.of_items(
        [i.item_id for i in desk.cluster_items("cl-answered")]) == []
    cid = sign_in("cid")
    page = cid.get("/clusters/cl-answered").text
    assert "Send this answer to the 3 authors who asked" in page
    assert f"Thanks for asking, {asked[0][3]}! This is answered in our community: {url}" in page

    done = cid.post("/clusters/cl-answered/answer-everyone", page="/clusters/cl-answered")
    after = cid.get(done.headers["location"]).text
    assert "queued the answer for 3 author(s)" in after and "Send this answer" not in after
    replies = desk.outbox.of_items([i.item_id for i in desk.cluster_items("cl-answered")])
    assert sorted((r.reply.source, r.reply.source_id, r.reply.text) for r in replies) == sorted(
        (source, source_id, f"Thanks for asking, {author}! This is answered in our community: "
                            f"{url}") for source, source_id, _, author, _, _ in asked)
    assert all(r.status == "queued" for r in replies)

    again = cid.post("/clusters/cl-answered/answer-everyone", page="/clusters/cl-answered")
    assert "queued the answer for 0 author(s)" in cid.get(again.headers["location"]).text
    assert len(desk.outbox.of_items([r.item_id for r in replies])) == 3  # nothing twice
