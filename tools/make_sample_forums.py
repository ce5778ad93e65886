#!/usr/bin/env python3
"""Generate the bundled Discourse sample: carewire/sample/cassettes/forums.json.

The demo replays this betamax cassette for the forum configured in
carewire/sample/carewire.yaml (`kestrel-community`): Kestrel Mobile's own Discourse
community, where customers help customers and a few superfans (trust level 3 and 4) and
the community team answer. It holds what the forums connector asks a Discourse for:

1. `GET /latest.json?order=activity`: thirty-one topics, newest activity first, on two
   pages (thirty a page, the first naming the next in `more_topics_url`);
2. `GET /search.json?q=<keyword> order:latest` for each brand keyword of the config;
3. `GET /t/{id}.json` for each topic (the first 20 posts and the ids of all of them);
4. `GET /t/{id}/posts.json?post_ids[]=...` for the rest of the one long topic: the
   Monday outage megathread.

About seventy posts follow the storyline of tools/make_sample.py (double direct debits on
Tue 17 Nov 2026, the app 5.2.0 login loop from Wed 18 fixed by 5.2.1 on Sun 22, the
price-rise emails of Thu 19, the fibre cut that takes out Greater Manchester and West
Yorkshire from about 07:05 on Mon 23, the post-incident note on Tue 24), with the same
questions asked in different words, accepted answers (the Solved plugin), a post its
author deleted, a "closed" small-action post, one post with no created_at (it must end in
quarantine), personal data (account numbers, phone numbers in Ofcom's drama range), posts
in German, Spanish and Polish, and some noise. All texts are invented.

Before them, six weeks of the community's everyday life (HISTORY, 5 October to 16
November 2026: roaming, bills, eSIMs, the Home Hub, a scam text), so that the community's
health has a history the demo can show (out__community_health): newcomers, members who come
back week after week, superfans whose answers are accepted, askers who got an accepted
answer and did not come back, one who did with his account number, a question nobody
answered for a day and one nobody answered at all. The forum's first read fetches them as
it fetches any forum's recently active topics; they do not change the recorded week's
topics, posts or ids.

Run `python tools/make_sample_forums.py` from anywhere. Standard library only, fixed seed
(random.Random(20261124)): the output is byte-identical on every run; edit the texts
below, not the JSON.
"""

from __future__ import annotations

import html
import json
import random
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode

SEED = 20261124
UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "carewire" / "sample" / "cassettes" / "forums.json"
BASE = "https://community.kestrelmobile.example"
RECORDED = datetime(2026, 11, 24, 7, 59, 58, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
USER_AGENT = "carewire/0.1 (+https://github.com/carewire/carewire)"
# The brand keywords of carewire/sample/carewire.yaml: one search each.
KEYWORDS = ["kestrel mobile", "kestrelmobile", "kestrel app", "kestrel home", "kestrel esim"]
CHUNK = 20
PER_PAGE = 30  # topics per /latest.json page (Discourse's default)
HISTORY_SEED = 20261005
HISTORY_END = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)  # HISTORY's posts are older
HISTORY_POST_IDS_END = 31400  # and have lower ids than the recorded week's (from 31411)

CATEGORIES = {"Help: App": 5, "Help: eSIM": 6, "Network & Coverage": 7, "Billing": 8,
              "Ideas": 9, "Home Broadband": 10, "Roaming & Travel": 11, "Account & Security": 12}

CATEGORY_COLOURS = {"Help: App": "0088CC", "Help: eSIM": "12A89D", "Network & Coverage": "E45735",
                    "Billing": "F7941D", "Ideas": "92278F", "Home Broadband": "3AB54A",
                    "Roaming & Travel": "25AAE2", "Account & Security": "BF1E2E"}

# username: (user_id, display name, trust level, staff, user title)
USERS = {
    "Priya_KM": (2, "Priya (Kestrel Community Team)", 4, True, "Community Manager"),
    "Tom_KM": (3, "Tom (Kestrel Community Team)", 4, True, "Community Team"),
    "signal_sage": (117, "Gwen Rhys", 4, False, "Kestrel Superfan"),
    "eSIMon": (203, "Simon Okafor", 3, False, "Kestrel Superfan"),
    "the_hub_whisperer": (311, "Raj Bhatt", 3, False, "Broadband Guru"),
    "claire_b": (1840, "Claire B", 1, False, None),
    "mikey_leeds": (2211, "", 1, False, None),
    "JoHughes": (2290, "Jo Hughes", 2, False, None),
    "k.nowak": (2302, "Katarzyna Nowak", 1, False, None),
    "bradford_bev": (2315, "Bev", 0, False, None),
    "daveyboy77": (2330, "", 0, False, None),
    "annaschmidt": (2341, "Anna Schmidt", 1, False, None),
    "lucia_g": (2356, "Lucía García", 0, False, None),
    "salford_steve": (2362, "Steve", 1, False, None),
    "rosie.p": (2377, "Rosie Patel", 2, False, None),
    "oldhamowen": (2381, "Owen", 0, False, None),
    "birdnerd": (2390, "", 0, False, None),
    "halifax_hannah": (2394, "Hannah", 1, False, None),
    # members who posted only in the weeks before the recorded one (HISTORY)
    "pete_penzance": (1995, "Pete Trewin", 1, False, None),
    "nia.j": (2048, "Nia Jones", 1, False, None),
    "dev_p88": (2102, "", 0, False, None),
    "maggie.m": (2139, "Maggie Moore", 0, False, None),
    "ricky_b": (2166, "", 0, False, None),
    "cardiff_carys": (2231, "Carys Evans", 0, False, None),
    "sophie_k": (2240, "Sophie K", 0, False, None),
    "bob_t": (2247, "", 0, False, None),
    "gary_m": (2262, "Gary", 0, False, None),
    "ellie_w": (2270, "Ellie Walsh", 0, False, None),
    "frank.h": (2284, "Frank Hill", 0, False, None),
}

# A topic: id, slug, title, category, tags, start (day, hour, minute), pinned, closed, and
# its posts: (username, minutes after the previous post, text, options). Options: "to"
# replies to that post number, "likes", "accepted" (the Solved plugin), "deleted" (the
# author deleted it), "no_date" (the post lost its created_at), "action" (a small-action
# post such as "closed"). Paragraphs are split on blank lines.
TOPICS = [
    dict(id=4811, slug="charged-twice-by-direct-debit-this-month", category="Billing",
         title="Charged twice by direct debit this month?", tags=["direct-debit", "billing"],
         start=(17, 8, 41), posts=[
        ("claire_b", 0, "Just checked my banking app and Kestrel Mobile have taken my bill twice "
         "today, £24.50 and then £24.50 again an hour later. Is this happening to anyone else? "
         "That's rent money.", {}),
        ("JoHughes", 22, "Same here! Two identical direct debits on the 17th. I've only got one "
         "SIM with them.", {"likes": 4}),
        ("signal_sage", 9, "You're not alone, there are a few of these this morning. It looks "
         "like a payment processor problem rather than anything on your accounts.\n\nDon't cancel "
         "the direct debit (that causes more grief later). The community team have been tagged "
         "and I'd expect the second payment to be refunded automatically.", {"likes": 11}),
        ("claire_b", 14, "Thanks Gwen. My account is KM-48213377 if that helps anyone look into "
         "it.", {"to": 3}),
        ("Priya_KM", 31, "Hi all, thanks for flagging. Our payment provider had a fault this "
         "morning that collected some November direct debits twice. Every duplicate payment is "
         "being refunded to the account it came from within 3 to 5 working days, you don't need "
         "to do anything.\n\n@claire_b please edit your post to take your account number out: "
         "this is a public forum.", {"likes": 23, "accepted": True}),
        ("Priya_KM", 2880, "", {"action": "closed.enabled"}),
    ]),
    dict(id=4812, slug="two-dds-went-out-on-17th-anyone-else", category="Billing",
         title="Two DDs went out on 17th - anyone else??", tags=["direct-debit"],
         start=(17, 13, 5), posts=[
        ("bradford_bev", 0, "two payments to kestrel gone out of my account today. overdrawn "
         "now and bank charging me. who do i even ring", {}),
        ("eSIMon", 18, "Hi Bev, it's a known problem today, see "
         f"{BASE}/t/charged-twice-by-direct-debit-this-month/4811 : the extra payment is being "
         "refunded. If your bank charged you a fee because of it, ring 0808 157 0123 and ask "
         "for it to be covered.", {"likes": 6, "accepted": True}),
        ("bradford_bev", 40, "thanks rang them, they said refund in 5 days and they'll sort the "
         "bank fee. my number is 07700 900461 if anyone from kestrel wants to call me back "
         "about it", {"to": 2}),
        ("Tom_KM", 26, "Glad that's sorted Bev. Please edit your phone number out of your "
         "post, for your own safety: this forum is public.", {"to": 3, "likes": 2}),
    ]),
    dict(id=4815, slug="app-5-2-0-keeps-logging-me-out", category="Help: App",
         title="App 5.2.0 keeps logging me out (login loop)",
         tags=["kestrel-app", "ios", "android"],
         start=(18, 9, 12), posts=[
        ("rosie.p", 0, "Since the Kestrel app updated to 5.2.0 this morning I enter my password, "
         "it says 'Welcome back' and then dumps me on the login screen again. Round and round. "
         "iPhone 15, iOS 27.1.", {}),
        ("mikey_leeds", 35, "Same on Android (Pixel 8). Log in, spinner, logged out.",
         {"likes": 3}),
        ("signal_sage", 12, "Reproduced it on a test phone. Workaround that worked for me on "
         "Android: Settings > Apps > Kestrel > Storage > Clear storage, then log in once. On "
         "iPhone delete the app and reinstall.\n\nIf you just need your usage or bill, the web "
         "account at my.kestrelmobile.example still works.", {"likes": 17}),
        ("annaschmidt", 48, "Bei mir dasselbe seit dem Update auf 5.2.0: Anmeldung klappt kurz, "
         "dann bin ich wieder abgemeldet. Neu installieren hat leider nicht geholfen.", {}),
        ("rosie.p", 95, "Reinstall worked for about a day, then it's back.", {"to": 3}),
        ("Priya_KM", 20, "Thanks everyone, the app team have reproduced it: a token refresh bug "
         "in 5.2.0. A fix is in testing and we'll post here when it's out. Sorry for the "
         "hassle.", {"likes": 14}),
        ("Priya_KM", 5590, "Kestrel app 5.2.1 is now in the App Store and Google Play and fixes "
         "the login loop. Update, log in once and you should stay signed in.", {"likes": 31,
                                                                                 "accepted": True}),
        ("mikey_leeds", 44, "5.2.1 sorted it, cheers.", {"to": 7, "likes": 2}),
    ]),
    dict(id=4816, slug="cant-sign-in-to-kestrel-app-after-update", category="Help: App",
         title="Can't sign in to Kestrel app after update", tags=["kestrel-app"],
         start=(19, 18, 2), posts=[
        ("oldhamowen", 0, "app wont let me in since the update. is it just me. password is "
         "definitely right", {}),
        ("eSIMon", 11, "Not just you Owen, it's the 5.2.0 login loop: "
         f"{BASE}/t/app-5-2-0-keeps-logging-me-out/4815 . Clear the app's storage (Android) or "
         "reinstall (iPhone) for now; a fix is coming.", {"likes": 5}),
        ("daveyboy77", 63, "(post deleted by author)", {"deleted": True}),
        ("oldhamowen", 17, "ok ta, web login works so ill use that", {"to": 2}),
    ]),
    dict(id=4818, slug="price-rise-email-can-i-leave-penalty-free", category="Billing",
         title="Price rise email - can I leave penalty free?", tags=["price-rise", "contract"],
         start=(19, 10, 14), posts=[
        ("halifax_hannah", 0, "Got the email this morning: my plan goes up £2 a month from 1 April "
         "2027. I thought Ofcom banned mid-contract price rises? Can I leave without paying "
         "the rest of my contract?", {}),
        ("signal_sage", 21, "The rules changed in January 2025: rises have to be written in "
         "pounds and pence in the contract when you sign. If your contract says '£1.50 / £2 "
         "each April', it's allowed and you can't leave penalty-free because of it.\n\nIf the "
         "amount was NOT in your contract summary, you do have the right to leave within 30 "
         "days of the notice.", {"likes": 19, "accepted": True}),
        ("halifax_hannah", 36, "Found my contract summary and it does say £2. Annoying but fair "
         "enough, thanks.", {"to": 2, "likes": 1}),
        ("salford_steve", 150, "£1.50 on my SIM only. Still cheaper than Harbour Mobile so I'll "
         "stay, but the email didn't even say which plan it was about.", {}),
        ("JoHughes", 32, "Is the rise on top of the double charge this week? 😂 Not a great "
         "week for Kestrel Mobile PR.", {"likes": 7}),
        ("Tom_KM", 58, "Hi all, the new prices apply from your first bill after 1 April 2027. "
         "The email should name the plan: if yours didn't, send us a private message with your "
         "account number (not here!) and we'll check.", {"likes": 4}),
    ]),
    dict(id=4819, slug="esim-stuck-on-activating-after-switching-phone", category="Help: eSIM",
         title="eSIM stuck on 'activating' after switching phone", tags=["esim", "iphone"],
         start=(20, 19, 40), posts=[
        ("JoHughes", 0, "Moved my Kestrel eSIM to a new iPhone 17 with Quick Transfer. Old phone "
         "says no SIM, new one has said 'Activating...' for two hours. No calls, no data.", {}),
        ("eSIMon", 7, "Quick Transfer sometimes stalls. Try: restart the new phone, then Settings "
         "> Mobile Service > select the Kestrel line > Turn on. If it's still stuck after 30 "
         "minutes, ask for a new eSIM in the Kestrel app (Account > eSIM > Replace eSIM); the "
         "old profile is cancelled automatically.", {"likes": 9, "accepted": True}),
        ("JoHughes", 25, "Restart did nothing but Replace eSIM worked in 5 minutes. Thank you!",
         {"to": 2, "likes": 2}),
        ("rosie.p", 1300, "Does the same trick work on Android? Samsung S25 here.", {}),
        ("eSIMon", 16, "Yes, same option in the app. On Samsung the new profile shows up under "
         "Connections > SIM manager.", {"to": 4, "likes": 3}),
    ]),
    dict(id=4820, slug="esim-qr-code-already-used", category="Help: eSIM",
         title="eSIM QR code already used - how do I get a new one?", tags=["esim"],
         start=(21, 11, 20), posts=[
        ("lucia_g", 0, "Hola, escaneé el código QR del eSIM de Kestrel en mi móvil nuevo y dice "
         "que ya se ha usado. ¿Cómo consigo uno nuevo? No tengo el móvil viejo.", {}),
        ("signal_sage", 29, "Hola Lucía! Each QR code can only be installed once. In the Kestrel "
         "app: Account > eSIM > Replace eSIM sends a new code to your email. If you can't get "
         "into the app, customer services (0808 157 0123) can send one after security "
         "checks.", {"likes": 6, "accepted": True}),
        ("lucia_g", 45, "¡Gracias! Ya funciona.", {"to": 2}),
        ("salford_steve", 300, "Wish they just sent a new QR automatically. Took me 40 min on "
         "the phone last time.", {}),
    ]),
    dict(id=4822, slug="kestrel-home-hub-keeps-dropping-5ghz-wifi", category="Home Broadband",
         title="Kestrel Home Hub keeps dropping 5GHz wifi", tags=["home-hub", "wifi"],
         start=(21, 20, 3), posts=[
        ("salford_steve", 0, "Kestrel Home Hub (the white one) drops the 5GHz network every "
         "evening around 8pm, 2.4GHz stays up. Rebooting fixes it till the next night.", {}),
        ("the_hub_whisperer", 14, "Classic channel-change problem. Log in to 192.168.1.254, "
         "Wireless > 5GHz and set the channel to 36 instead of Auto. The hub hops to a DFS "
         "channel in the evening and some devices don't follow it.", {"likes": 12,
                                                                       "accepted": True}),
        ("salford_steve", 1500, "Two nights without a drop. Legend.", {"to": 2, "likes": 1}),
        ("claire_b", 250, "Mine does the same but on 2.4GHz, is there a fix for that one?", {}),
        ("the_hub_whisperer", 30, "Different cause: check firmware is 4.12 or later (Advanced > "
         "Firmware). Older firmware has a 2.4GHz memory leak.", {"to": 4, "likes": 3}),
    ]),
    dict(id=4823, slug="idea-let-us-pick-our-direct-debit-date-in-the-app", category="Ideas",
         title="Idea: let us pick our direct debit date in the app", tags=["feature-request"],
         start=(22, 14, 50), posts=[
        ("rosie.p", 0, "After this week's double payments: could the Kestrel app let us move our "
         "payment date ourselves? Payday is the 28th, bill comes on the 17th.", {"likes": 15}),
        ("JoHughes", 40, "+1, and show upcoming payments in the app.", {"likes": 8}),
        ("birdnerd", 120, "Slightly off topic but a real kestrel has been hovering over the "
         "field behind my house all week, anyone else spotting them? Great birds.", {"likes": 2}),
        ("Tom_KM", 95, "Passed to the app team as a feature request, thanks Rosie. You can "
         "already change the date on the phone once a year.", {"to": 1, "likes": 5}),
    ]),
    dict(id=4825, slug="no-signal-at-all-in-manchester-this-morning", category="Network & Coverage",
         title="No signal at all in Manchester this morning?",
         tags=["outage", "manchester", "leeds"],
         start=(23, 7, 11), posts=[
        ("salford_steve", 0, "Phone says SOS only since about 7am, Salford. Anyone else? Wife's "
         "on Harbour and she's fine.", {}),
        ("mikey_leeds", 2, "Leeds too, nothing at all.", {"likes": 9}),
        ("k.nowak", 2, "Bradford, brak zasięgu od 7:05, nie mogę zadzwonić do pracy.", {}),
        ("oldhamowen", 3, "oldham nothing. status page says all fine??", {"likes": 4}),
        ("signal_sage", 4, "Looks big: reports from Manchester, Salford, Oldham, Leeds, Bradford "
         "and Halifax, all starting 07:05. That pattern is usually a transmission link (fibre) "
         "rather than masts. Wi-Fi calling works if you have Wi-Fi: Settings > Phone > Wi-Fi "
         "Calling.", {"likes": 27}),
        ("bradford_bev", 3, "no signal since 7. cant get hold of my carer. this is not ok", {}),
        ("halifax_hannah", 4, "Halifax here, same. Broadband still working so Wi-Fi calling "
         "it is.", {"to": 5}),
        ("Priya_KM", 6, "We know about a network problem affecting customers in Greater "
         "Manchester and West Yorkshire since about 07:05. Engineers are on it. We'll update "
         "this thread every 30 minutes.", {"likes": 34}),
        ("daveyboy77", 2, "every 30 min lol. will i get money back for this", {}),
        ("JoHughes", 3, "Not in the area but signal fine in Liverpool, for what it's worth.",
         {}),
        ("rosie.p", 4, "Manchester city centre, no signal on two phones.", {}),
        ("salford_steve", 2, "Got one bar for a minute then gone again.", {"to": 1}),
        ("claire_b", 3, "This is the second thing this week after the double debit. Getting "
         "fed up with Kestrel Mobile tbh.", {"likes": 12}),
        ("the_hub_whisperer", 2, "If your Kestrel Home broadband is up, the Home Hub does Wi-Fi "
         "calling fine. If it's down too (some in Leeds are) see the broadband thread.", {}),
        ("Priya_KM", 4, "Update 07:55: a fibre cable serving our West Yorkshire and Greater "
         "Manchester sites was damaged near Brighouse. Traffic is being rerouted; some "
         "customers may see service come back before the repair is done.", {"likes": 21}),
        ("k.nowak", 7, "Mam jeden pasek, SMS-y przychodzą.", {"to": 3}),
        ("annaschmidt", 5, "In Leeds immer noch nichts. Kann jemand bestätigen, dass es eine "
         "Störung ist?", {}),
        ("mikey_leeds", 4, "Leeds LS6 still nothing at 8:10.", {"to": 16}),
        ("oldhamowen", 6, "back in oldham!!", {"likes": 6}),
        ("salford_steve", 3, "Salford back too.", {}),
        ("daveyboy77", 7, "my account is KM-50127714 and my number 07700 900982, someone call "
         "me about compensation", {"no_date": True}),
        ("Tom_KM", 5, "Please don't post account or phone numbers here, it's a public forum. "
         "Compensation will be covered in our update once service is fully back.", {"to": 21}),
        ("bradford_bev", 12, "still nothing in bradford", {}),
        ("Priya_KM", 240, "Update: service is back for most of Greater Manchester. Engineers are "
         "still splicing the cable near Brighouse; parts of Leeds and Bradford may be patchy "
         "until mid afternoon.", {"likes": 18}),
        ("mikey_leeds", 135, "Full signal back in LS6 as of 3pm. Long day.", {}),
        ("Priya_KM", 945, "All sites were restored by 16:40 yesterday. Everyone affected gets a "
         "day's line rental credited automatically on the next bill. Full post-incident note: "
         f"{BASE}/t/post-incident-note-23-november-network-outage/4828", {"likes": 26,
                                                                           "accepted": True}),
    ]),
    dict(id=4826, slug="home-hub-broadband-down-too-leeds", category="Home Broadband",
         title="Home Hub broadband down too? Leeds", tags=["outage", "home-hub", "leeds"],
         start=(23, 7, 34), posts=[
        ("annaschmidt", 0, "My Kestrel Home Hub has a red light and no internet since just "
         "after 7. Leeds LS4. Is this the same outage as mobile?", {}),
        ("the_hub_whisperer", 9, "Most likely: Kestrel Home broadband in West Yorkshire rides "
         "the same fibre. Red light = no connection to the network, nothing wrong with your "
         "hub, so no point factory-resetting it.", {"likes": 8}),
        ("mikey_leeds", 22, "Red light here as well, LS6.", {}),
        ("the_hub_whisperer", 520, "Green again for everyone I know of in Leeds. If yours is "
         "still red, power-cycle it once.", {"likes": 4}),
    ]),
    dict(id=4828, slug="post-incident-note-23-november-network-outage",
         category="Network & Coverage",
         title="Post-incident note: 23 November network outage", tags=["outage", "announcement"],
         start=(24, 6, 30), pinned=True, posts=[
        ("Priya_KM", 0, "What happened: at 07:05 on Monday 23 November a third party's "
         "excavation damaged a fibre cable near Brighouse that carries traffic for our sites in "
         "Greater Manchester and West Yorkshire, and the backup route failed to take over.\n\n"
         "Impact: no mobile service for customers in those areas, and no Kestrel Home "
         "broadband in parts of Leeds and Bradford, until between 08:15 and 16:40.\n\nWhat "
         "we're doing: a day's line rental credited automatically, and the backup route is "
         "being rebuilt so a single cut can't do this again.", {"likes": 41}),
        ("k.nowak", 23, "Dziękuję za wyjaśnienie. Kredyt wystarczy.", {"likes": 1}),
        ("bradford_bev", 31, "a days credit is 80p. my carer couldnt reach me for 6 hours", {
            "likes": 17}),
    ]),
]


# The six weeks before the recorded one (Monday 5 October to Monday 16 November 2026): the
# community's everyday life, so that its health has a history (out__community_health):
# newcomers asking their first question, regulars coming back week after week, superfans
# whose answers are accepted, a question nobody answered for a day and one nobody answered
# at all. Some of the recorded week's posters first came here then (rosie.p, JoHughes,
# salford_steve, claire_b, mikey_leeds); the recorded week's newcomers did not. Same shape
# as TOPICS; `start` is (month, day, hour, minute). Ids are older than the recorded week's.
HISTORY = [
    dict(id=4736, slug="roaming-in-spain-do-i-need-to-switch-anything-on",
         category="Roaming & Travel", title="Roaming in Spain next week - do I need to switch "
         "anything on?", tags=["roaming", "europe"], start=(10, 6, 19, 42), posts=[
        ("pete_penzance", 0, "Off to Malaga on Saturday for a week. I'm on the 30GB SIM only "
         "plan. Do I need to turn anything on before I go, and will it cost extra?", {}),
        ("signal_sage", 48, "Your plan includes Roam Like Home in 49 destinations, Spain "
         "included, so calls, texts and data come out of your normal allowance at no extra "
         "cost (a 15GB fair use limit applies abroad).\n\nOn the phone: Settings > Mobile Data "
         "> Data Roaming on. You'll get a welcome text when you land.",
         {"likes": 5, "accepted": True}),
        ("pete_penzance", 11530, "Back home: worked perfectly all week, not a penny extra.",
         {"to": 2, "likes": 2}),
    ]),
    dict(id=4738, slug="orange-light-on-home-hub-after-a-power-cut", category="Home Broadband",
         title="Orange light on Home Hub after a power cut", tags=["home-hub"],
         start=(10, 8, 21, 5), posts=[
        ("claire_b", 0, "We had a power cut this evening and since it came back the hub just "
         "shows an orange light, no internet. Already turned it off and on twice.", {}),
        ("the_hub_whisperer", 26, "Orange after a power cut usually means the hub came up "
         "before the line did. Leave it off for a full 10 minutes, then switch it on and give "
         "it 15 minutes to resync without touching it. If it's still orange, check the grey "
         "cable is pushed firmly into the wall socket.", {"likes": 3}),
        ("claire_b", 55, "10 minutes off did it, green now. Thank you!", {"to": 2}),
    ]),
    dict(id=4739, slug="planned-maintenance-app-and-online-account-sunday-11-october",
         category="Help: App", title="Planned maintenance: app and online account, Sunday 11 "
         "October 01:00-03:00", tags=["announcement"], start=(10, 9, 15, 0), posts=[
        ("Tom_KM", 0, "The Kestrel app and the online account will be unavailable on Sunday 11 "
         "October between 01:00 and 03:00 while we upgrade our billing system. Calls, texts "
         "and data are not affected.", {"likes": 4}),
    ]),
    dict(id=4748, slug="bill-is-11-more-than-usual-what-is-out-of-bundle", category="Billing",
         title="Bill is £11 more than usual - what is 'out of bundle'?", tags=["billing"],
         start=(10, 13, 8, 15), posts=[
        ("salford_steve", 0, "This month's bill has £11.20 under 'Out of bundle charges'. I've "
         "never gone over my allowance. What is it?", {}),
        ("signal_sage", 34, "Out of bundle is anything your plan doesn't include: usually "
         "calls to 084, 087 or 09 numbers, or texts to short codes (competitions, parking "
         "apps). In the app, Bills > this month > Out of bundle lists each one with the "
         "number. If one is a premium service you never signed up for, the care team can "
         "refund it and bar premium numbers.", {"likes": 6, "accepted": True}),
    ]),
    dict(id=4751, slug="esim-on-apple-watch-is-it-supported", category="Help: eSIM",
         title="eSIM on Apple Watch - is it supported?", tags=["esim", "apple-watch"],
         start=(10, 15, 12, 30), posts=[
        ("nia.j", 0, "Can my Apple Watch share my mobile number, so I can leave the phone at "
         "home when I go running? Can't find it anywhere in the app.", {}),
        ("eSIMon", 19, "Yes, since September: it's called Number Share, £5 a month. On the "
         "iPhone, Watch app > Mobile > Set up mobile, and it hands you over to Kestrel to "
         "confirm. It needs a pay monthly plan, not pay as you go.",
         {"likes": 4, "accepted": True}),
    ]),
    dict(id=4760, slug="broadband-slows-to-20mbps-every-evening", category="Home Broadband",
         title="Broadband slows to 20Mbps every evening", tags=["home-hub", "speed"],
         start=(10, 19, 20, 40), posts=[
        ("dev_p88", 0, "Fibre 150 package, I get 140 in the morning but 15-20Mbps every "
         "evening from about 7 to 11. Wired to the hub, not Wi-Fi. Is this congestion?", {}),
        ("the_hub_whisperer", 41, "Wired and only in the evening points at congestion "
         "upstream, not your hub. Run the speed test in the app three evenings in a row (it "
         "keeps the results). If you're below the minimum guaranteed speed in your contract "
         "summary for three days, you can ask for a fix, or leave without a penalty if they "
         "can't fix it.", {"likes": 7, "accepted": True}),
        ("Tom_KM", 95, "Thanks Raj. Dev, we've found a congested link in your exchange area "
         "(Reading West); an upgrade is booked for 28 October. Sorry for the slow evenings.",
         {"likes": 3}),
        ("dev_p88", 13020, "Upgrade done, 138Mbps at 9pm last night. Raj's speed test tip is "
         "what got it looked at.", {"to": 2, "likes": 1}),
    ]),
    dict(id=4762, slug="wi-fi-calling-option-missing-on-my-pixel",
         category="Network & Coverage", title="Wi-Fi calling option missing on my Pixel",
         tags=["wifi-calling", "android"], start=(10, 21, 10, 2), posts=[
        ("JoHughes", 0, "Switched to Kestrel last month. Wi-Fi calling isn't in my Pixel 8's "
         "call settings at all, and my house has terrible signal so I really need it.", {}),
        ("signal_sage", 22, "On Pixels the switch only appears once the carrier settings have "
         "updated: Settings > System > System update, then restart. After that it's under "
         "Settings > Network & internet > SIMs > Wi-Fi calling. If it still isn't there, "
         "your line may need it enabling, which care can do in a minute.",
         {"likes": 4, "accepted": True}),
        ("salford_steve", 180, "Same thing happened on my Pixel 7, the update fixed it too.",
         {}),
    ]),
    dict(id=4771, slug="text-saying-my-account-is-suspended-scam",
         category="Account & Security", title="Text saying my account is suspended - scam?",
         tags=["scam", "security"], start=(10, 27, 17, 20), posts=[
        ("maggie.m", 0, "Got a text from 'KESTREL' saying my account is suspended and to pay "
         "£1.99 at a link to reactivate it. Looks dodgy but it used the right name. Is it "
         "you?", {}),
        ("signal_sage", 9, "That's a scam, don't click it. Kestrel never asks for a payment by "
         "text link. Forward the text to 7726 (free, it reports it to the network) and delete "
         "it. If you already entered card details, ring your bank now.", {"likes": 12}),
        ("Tom_KM", 30, "Gwen's right: that text isn't from us. We're blocking the sender, and "
         "every report to 7726 helps us block them faster.", {"likes": 6}),
        ("maggie.m", 15, "Forwarded and deleted. Thank you both.", {"to": 2}),
    ]),
    dict(id=4773, slug="can-i-add-a-second-sim-for-my-son-to-my-plan", category="Billing",
         title="Can I add a second SIM for my son to my plan?", tags=["family", "plans"],
         start=(10, 29, 19, 11), posts=[
        ("rosie.p", 0, "My son is 14 and wants his own phone. Can I add a SIM to my account "
         "with a spending cap, or does he need his own contract?", {}),
        ("JoHughes", 35, "I did this for my daughter: Account > Add a line in the app. You can "
         "pick a plan for the new line and set a £0 cap on extras.", {}),
        ("eSIMon", 14, "And lines for under-16s get the content filter on by default; it's "
         "under Account > Lines > Parental controls if you want to check.", {"likes": 2}),
        ("rosie.p", 60, "Perfect, done it tonight. Thanks both.", {"to": 2}),
    ]),
    dict(id=4775, slug="5g-icon-gone-since-ios-update", category="Network & Coverage",
         title="5G icon gone since iOS update", tags=["5g", "ios"], start=(10, 31, 11, 45),
         posts=[
        ("ricky_b", 0, "Since updating to iOS 27.0.2 my iPhone 16 only shows 4G in places "
         "where I always had 5G. Anyone else?", {}),
        ("eSIMon", 52, "iOS updates sometimes reset 5G to 'Auto', which only uses 5G when the "
         "phone thinks it won't cost battery. Settings > Mobile Service > Voice & Data > 5G "
         "On. If that's already on, check the coverage map for your postcode.", {"likes": 5}),
        ("ricky_b", 30, "It had gone back to Auto. 5G is back, cheers.", {"to": 2}),
    ]),
    dict(id=4783, slug="poor-signal-indoors-in-cardiff-bay", category="Network & Coverage",
         title="Poor signal indoors in Cardiff Bay - anything I can do?",
         tags=["coverage", "cardiff"], start=(11, 2, 18, 30), posts=[
        ("cardiff_carys", 0, "Moved to a new flat in Cardiff Bay. One bar at best indoors, full "
         "signal outside, and calls keep dropping. Is there anything I can do apart from "
         "moving out?", {}),
        ("signal_sage", 40, "New-build flats with coated glass block signal badly. Two things "
         "that work: Wi-Fi calling (Settings > Phone > Wi-Fi Calling: calls and texts go over "
         "your broadband), and if you have no broadband, ask care for the free indoor signal "
         "booster, giving them your postcode.", {"likes": 8, "accepted": True}),
        ("rosie.p", 1260, "Same in our new flat in Salford Quays, Wi-Fi calling saved us.",
         {}),
    ]),
    dict(id=4785, slug="pac-code-text-never-arrived", category="Account & Security",
         title="PAC code text never arrived", tags=["switching", "pac"], start=(11, 3, 9, 12),
         posts=[
        ("sophie_k", 0, "Texted PAC to 65075 yesterday to bring my number over to Kestrel, "
         "still no code. Do I chase my old network or Kestrel?", {}),
        ("mikey_leeds", 25, "Your old network sends the PAC, not Kestrel. If 65075 didn't "
         "answer within a minute, ring your old network and ask for it: they have to give it "
         "to you there and then. Then give the code to Kestrel when you order the SIM.",
         {"likes": 4, "accepted": True}),
    ]),
    dict(id=4786, slug="home-hub-guest-wi-fi-how", category="Home Broadband",
         title="Home Hub guest Wi-Fi - how?", tags=["home-hub", "wifi"], start=(11, 4, 20, 10),
         posts=[
        ("salford_steve", 0, "Family staying over at Christmas. Can the hub do a separate guest "
         "network so I don't have to hand out my password?", {}),
        ("the_hub_whisperer", 18, "Yes: 192.168.1.254 > Wireless > Guest network > On. Give it "
         "its own name and password, and tick 'Isolate guests' so they can't see your "
         "devices.", {"likes": 4}),
        ("salford_steve", 30, "Done it, thanks Raj.", {"to": 2}),
    ]),
    dict(id=4788, slug="will-the-pixel-11-pro-be-sold-on-contract", category="Ideas",
         title="Will the Pixel 11 Pro be sold on contract?", tags=["phones"],
         start=(11, 5, 13, 40), posts=[
        ("bob_t", 0, "Any word on whether Kestrel will sell the Pixel 11 Pro on contract, or "
         "do I buy it outright and get a SIM only plan?", {}),
    ]),
    dict(id=4795, slug="charged-for-roaming-in-dublin", category="Roaming & Travel",
         title="Charged for roaming in Dublin?", tags=["roaming", "ireland"],
         start=(11, 9, 10, 22), posts=[
        ("gary_m", 0, "Spent the weekend in Dublin and got a text saying I'd been charged "
         "£2.40 a day for roaming. I thought Ireland was included?", {}),
        ("Tom_KM", 47, "Hi Gary, the Republic of Ireland is in Roam Like Home on every plan, so "
         "you shouldn't have been charged. A fault applied the daily charge to some customers "
         "at the weekend; it's being reversed automatically on this month's bill.",
         {"likes": 5, "accepted": True}),
        ("gary_m", 5800, "The bill came today and the roaming charge is still on it, £7.20 "
         "for the three days. Can someone look at my account? It's KM-61830275.", {"to": 2}),
        ("Tom_KM", 25, "Sorry Gary, we'll sort that one-to-one: I've sent you a message. "
         "Please edit the account number out of your post, this forum is public.",
         {"to": 3, "likes": 1}),
    ]),
    dict(id=4797, slug="is-tethering-allowed-on-unlimited", category="Network & Coverage",
         title="Is tethering allowed on Unlimited?", tags=["tethering", "plans"],
         start=(11, 11, 21, 15), posts=[
        ("ellie_w", 0, "I want to use my phone as a hotspot for my laptop on the train. Is "
         "tethering allowed on the Unlimited plan, or is it blocked?", {}),
        ("Tom_KM", 2185, "Hi Ellie, sorry for the slow reply. Tethering is allowed on every "
         "plan; on Unlimited, up to 50GB a month of it.", {"likes": 2, "accepted": True}),
    ]),
    dict(id=4799, slug="travel-data-in-the-us-second-esim-or-bolt-on", category="Help: eSIM",
         title="Travel data in the US - second eSIM or bolt-on?", tags=["esim", "roaming"],
         start=(11, 12, 16, 5), posts=[
        ("nia.j", 0, "Going to New York next month. Should I add a second eSIM just for "
         "travel data, keeping my main one, or is there something simpler?", {}),
        ("eSIMon", 23, "Two lines on one iPhone works (dual eSIM), but for the US it's "
         "cheaper to add the USA Travel 10GB bolt-on to your main line in the app: £15 for 30 "
         "days. A second line is a second contract.", {"likes": 3}),
        ("JoHughes", 40, "Did the bolt-on in New York in the summer, worked fine the whole "
         "trip.", {"likes": 2}),
        ("rosie.p", 25, "Is there one for Canada as well? We're in Toronto at Easter.", {}),
        ("signal_sage", 12, "There is, the North America bolt-on covers the US and Canada "
         "(£20 for 30 days). Add it the day before you fly; it starts when you first use data "
         "there.", {"to": 4, "likes": 2}),
        ("nia.j", 30, "Bolt-on it is, thanks both.", {"to": 2}),
    ]),
    dict(id=4800, slug="can-i-get-paper-bills-for-my-mum", category="Billing",
         title="Can I get paper bills for my mum?", tags=["billing", "accessibility"],
         start=(11, 13, 11, 30), posts=[
        ("claire_b", 0, "Is there a way to get the bill posted? My mum is on my account and "
         "doesn't use email.", {}),
        ("Priya_KM", 35, "Hi Claire, yes: paper bills are £1.50 a month, free for customers "
         "over 75 or with accessibility needs. Ask care to add a paper bill preference and "
         "mention your mum's situation.", {"likes": 1}),
    ]),
    dict(id=4808, slug="visual-voicemail-not-available-on-samsung", category="Help: App",
         title="Visual voicemail 'not available' on Samsung", tags=["voicemail", "android"],
         start=(11, 16, 19, 50), posts=[
        ("frank.h", 0, "Moved my Galaxy S25 over and the visual voicemail app says 'not "
         "available on this network'. Is it supported?", {}),
        ("signal_sage", 55, "It is, but Samsung's app needs the carrier profile first: "
         "Settings > Software update, restart, then Phone app > menu > Voicemail settings > "
         "Visual voicemail on.", {"likes": 3, "accepted": True}),
    ]),
]


def cooked(text: str) -> str:
    """Discourse's cooked HTML: paragraphs, links turned into anchors, mentions linked."""
    paragraphs = []
    for chunk in text.split("\n\n"):
        escaped = html.escape(chunk, quote=False)
        escaped = re.sub(r"(https?://[^\s<]+[^\s<.,])",
                         lambda m: f'<a href="{m[1]}">{m[1]}</a>', escaped)
        escaped = re.sub(r"(?<![\w/])@(\w[\w.]*\w)",
                         lambda m: f'<a class="mention" href="/u/{m[1].lower()}">@{m[1]}</a>',
                         escaped)
        paragraphs.append(f"<p>{escaped}</p>")
    return "\n".join(paragraphs)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def avatar(username: str) -> str:
    return (f"/user_avatar/community.kestrelmobile.example/{username.lower()}/{{size}}/"
            f"8{len(username)}21_2.png")


def build_topics(rng: random.Random) -> list[dict]:
    post_id = 31410
    built = []
    for spec in TOPICS:
        day, hour, minute = spec["start"]
        moment = datetime(2026, 11, day, hour, minute, rng.randrange(60),
                          rng.randrange(1000) * 1000, tzinfo=UTC)
        posts = []
        for number, (username, minutes, text, opts) in enumerate(spec["posts"], start=1):
            if number > 1:
                moment = moment + timedelta(minutes=minutes, seconds=rng.randrange(60),
                                            microseconds=rng.randrange(1000) * 1000)
            assert moment <= WINDOW_END, (spec["id"], number, moment)
            post_id += rng.randint(1, 9)  # other topics and private messages share ids
            posts.append({"id": post_id, "number": number, "user": username, "at": moment,
                          "text": text, **opts})
        built.append({**spec, "built": posts})
    return built


def build_history(rng: random.Random) -> list[dict]:
    """HISTORY's topics, timed like TOPICS (from their own random draws, so the recorded
    week's topics and post ids stay as they were). Discourse numbers posts forum-wide in
    the order they are written: about one every half hour on this forum, counting back from
    the recorded week's first ids, the posts of topics not in this sample in between."""
    built = []
    for spec in HISTORY:
        month, day, hour, minute = spec["start"]
        moment = datetime(2026, month, day, hour, minute, rng.randrange(60),
                          rng.randrange(1000) * 1000, tzinfo=UTC)
        posts = []
        for number, (username, minutes, text, opts) in enumerate(spec["posts"], start=1):
            if number > 1:
                moment = moment + timedelta(minutes=minutes, seconds=rng.randrange(60),
                                            microseconds=rng.randrange(1000) * 1000)
            assert moment < HISTORY_END, (spec["id"], number, moment)
            posts.append({"number": number, "user": username, "at": moment, "text": text,
                          **opts})
        built.append({**spec, "built": posts})
    last = 0
    for post in sorted((p for t in built for p in t["built"]), key=lambda p: p["at"]):
        behind = int((HISTORY_END - post["at"]).total_seconds() // 1800)
        post["id"] = last = max(last + 1, HISTORY_POST_IDS_END - behind + rng.randrange(3))
    assert last < HISTORY_POST_IDS_END
    return built


def post_json(topic: dict, post: dict) -> dict:
    user_id, name, trust, staff, title = USERS[post["user"]]
    replies = sum(1 for p in topic["built"] if p.get("to") == post["number"])
    action = post.get("action")
    likes = post.get("likes", 0)
    edited = post["user"] == "Priya_KM" and post["number"] == 7  # "5.2.1 is out": a typo fixed
    accepted_topic = any(p.get("accepted") for p in topic["built"])
    record = {
        "id": post["id"], "name": name, "username": post["user"],
        "avatar_template": avatar(post["user"]),
        "created_at": None if post.get("no_date") else iso(post["at"]),
        "cooked": "" if action else ("<p>(post deleted by author)</p>" if post.get("deleted")
                                    else cooked(post["text"])),
        "post_number": post["number"], "post_type": 3 if action else 1,
        "updated_at": iso(post["at"] + timedelta(minutes=3 if edited else 0)),
        "reply_count": replies, "reply_to_post_number": post.get("to"),
        "quote_count": 0, "incoming_link_count": 0, "reads": 10 + likes * 3,
        "readers_count": 9 + likes * 3, "score": round(0.2 + likes * 5.15 + replies * 5, 1),
        "yours": False, "topic_id": topic["id"], "topic_slug": topic["slug"],
        "display_username": name, "primary_group_name": "community_team" if staff else None,
        "flair_name": None, "flair_url": None, "flair_bg_color": None, "flair_color": None,
        "flair_group_id": None, "version": 2 if edited else 1, "can_edit": False,
        "can_delete": False, "can_recover": False, "can_see_hidden_post": False,
        "can_wiki": False, "user_title": title, "bookmarked": False,
        "actions_summary": [{"id": 2, "count": likes}] if likes else [],
        "moderator": staff, "admin": post["user"] == "Priya_KM", "staff": staff,
        "user_id": user_id, "hidden": False, "trust_level": trust, "deleted_at": None,
        "user_deleted": bool(post.get("deleted")), "edit_reason": None,
        "can_view_edit_history": True, "wiki": False,
        "can_accept_answer": False, "can_unaccept_answer": False,
        "accepted_answer": bool(post.get("accepted")), "topic_accepted_answer": accepted_topic,
    }
    if action:
        record["action_code"] = action
    if post.get("no_date"):
        del record["created_at"]  # what an exporting proxy in front of the forum dropped
    return record


def topic_summary(topic: dict, category_id: int) -> dict:
    posts = topic["built"]
    dated = [p for p in posts if not p.get("no_date")]
    last = max(dated, key=lambda p: p["at"])
    posters = list(dict.fromkeys(p["user"] for p in posts))
    return {
        "id": topic["id"], "title": topic["title"], "fancy_title": html.escape(topic["title"]),
        "slug": topic["slug"], "posts_count": len(posts), "reply_count": len(posts) - 1,
        "highest_post_number": len(posts), "image_url": None,
        "created_at": iso(posts[0]["at"]), "last_posted_at": iso(last["at"]), "bumped": True,
        "bumped_at": iso(last["at"]), "archetype": "regular", "unseen": False,
        "pinned": bool(topic.get("pinned")), "unpinned": None, "visible": True,
        "closed": any(p.get("action") == "closed.enabled" for p in posts), "archived": False,
        "bookmarked": None, "liked": None, "tags": topic["tags"], "tags_descriptions": {},
        "views": 40 + 37 * len(posts), "like_count": sum(p.get("likes", 0) for p in posts),
        "has_summary": False, "last_poster_username": last["user"], "category_id": category_id,
        "pinned_globally": False, "featured_link": None,
        "has_accepted_answer": any(p.get("accepted") for p in posts), "can_have_answer": True,
        "posters": [{"extras": "latest" if u == last["user"] else None,
                     "description": "Original Poster" if i == 0 else "Frequent Poster",
                     "user_id": USERS[u][0], "primary_group_id": 41 if USERS[u][3] else None}
                    for i, u in enumerate(posters[:5])],
    }


def topic_json(topic: dict) -> dict:
    category_id = CATEGORIES[topic["category"]]
    summary = topic_summary(topic, category_id)
    posts = [post_json(topic, p) for p in topic["built"]]
    accepted = next((p for p in topic["built"] if p.get("accepted")), None)
    first_user = topic["built"][0]["user"]
    record = {
        "post_stream": {"posts": posts[:CHUNK], "stream": [p["id"] for p in posts]},
        "timeline_lookup": [[1, 0]], "tags": topic["tags"], "tags_descriptions": {},
        "fancy_title": summary["fancy_title"], "id": topic["id"], "title": topic["title"],
        "posts_count": len(posts), "created_at": summary["created_at"],
        "views": summary["views"], "reply_count": summary["reply_count"],
        "like_count": summary["like_count"], "last_posted_at": summary["last_posted_at"],
        "visible": True, "closed": summary["closed"], "archived": False, "has_summary": False,
        "archetype": "regular", "slug": topic["slug"], "category_id": category_id,
        "word_count": sum(len(p["text"].split()) for p in topic["built"]), "deleted_at": None,
        "user_id": USERS[first_user][0], "featured_link": None,
        "pinned_globally": False,
        "pinned_at": summary["created_at"] if topic.get("pinned") else None,
        "pinned_until": None, "image_url": None, "slow_mode_seconds": 0, "draft": None,
        "draft_key": f"topic_{topic['id']}", "draft_sequence": None, "unpinned": None,
        "pinned": bool(topic.get("pinned")), "current_post_number": 1,
        "highest_post_number": len(posts), "deleted_by": None, "actions_summary": [],
        "chunk_size": CHUNK, "bookmarked": False, "topic_timer": None,
        "message_bus_last_id": 3 + len(posts), "participant_count": len(
            {p["user"] for p in topic["built"]}),
        "show_read_indicator": False, "thumbnails": None, "slow_mode_enabled_until": None,
        "summarizable": False, "valid_reactions": ["heart"],
        # Discourse 3.2+ lazy-loads categories and then names the topic's category here.
        "categories": [{"id": category_id, "name": topic["category"],
                        "color": CATEGORY_COLOURS[topic["category"]], "text_color": "FFFFFF",
                        "slug": re.sub(r"[^a-z0-9]+", "-", topic["category"].lower()).strip("-"),
                        "topic_count": 0, "post_count": 0, "read_restricted": False,
                        "parent_category_id": None}],
        "details": {
            "can_edit": False, "notification_level": 1,
            "participants": [
                {"id": USERS[u][0], "username": u, "name": USERS[u][1],
                 "avatar_template": avatar(u), "post_count": sum(
                     1 for p in topic["built"] if p["user"] == u),
                 "primary_group_name": "community_team" if USERS[u][3] else None,
                 "flair_name": None, "flair_url": None, "flair_color": None,
                 "flair_bg_color": None, "flair_group_id": None, "admin": u == "Priya_KM",
                 "moderator": USERS[u][3], "trust_level": USERS[u][2]}
                for u in dict.fromkeys(p["user"] for p in topic["built"])],
            "created_by": {"id": USERS[first_user][0], "username": first_user,
                           "name": USERS[first_user][1], "avatar_template": avatar(first_user)},
            "last_poster": {"id": USERS[summary["last_poster_username"]][0],
                            "username": summary["last_poster_username"],
                            "name": USERS[summary["last_poster_username"]][1],
                            "avatar_template": avatar(summary["last_poster_username"])},
        },
    }
    if accepted:
        record["accepted_answer"] = {"post_number": accepted["number"],
                                     "username": accepted["user"],
                                     "name": USERS[accepted["user"]][1],
                                     "excerpt": html.escape(accepted["text"][:140])}
    return record


def blurb(text: str, keyword: str) -> str:
    at = text.lower().find(keyword)
    start = max(0, at - 60)
    snippet = ("..." if start else "") + text[start:at + len(keyword) + 80].replace("\n", " ")
    return html.escape(snippet) + "..."


def interaction(url: str, body: str, recorded: datetime) -> dict:
    headers = {
        "Server": "nginx", "Date": format_datetime(recorded, usegmt=True),
        "Content-Type": "application/json; charset=utf-8", "Vary": "Accept, Origin",
        "Cache-Control": "no-cache, no-store", "X-Discourse-Route": _route(url),
        "X-Frame-Options": "SAMEORIGIN", "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Content-Length": str(len(body.encode("utf-8"))),
    }
    return {
        "request": {"method": "GET", "uri": url, "body": {"encoding": "utf-8", "string": ""},
                    "headers": {"Accept": ["application/json"], "User-Agent": [USER_AGENT]}},
        "response": {"status": {"code": 200, "message": "OK"},
                     "headers": {k: [v] for k, v in headers.items()},
                     "body": {"encoding": "utf-8", "string": body}, "url": url},
        "recorded_at": recorded.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _route(url: str) -> str:
    if "/latest.json" in url:
        return "list/latest"
    if "/search.json" in url:
        return "search/show"
    return "topics/posts" if "/posts.json" in url else "topics/show"


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def main() -> None:
    topics = build_topics(random.Random(SEED)) + build_history(random.Random(HISTORY_SEED))
    summaries = sorted((topic_summary(t, CATEGORIES[t["category"]]) for t in topics),
                       key=lambda s: s["bumped_at"], reverse=True)
    moment = RECORDED - timedelta(seconds=40)
    interactions = []
    for page in range(0, (len(summaries) + PER_PAGE - 1) // PER_PAGE):
        listed = summaries[page * PER_PAGE:(page + 1) * PER_PAGE]
        more = page * PER_PAGE + PER_PAGE < len(summaries)
        users = {p["user"] for t in topics if any(t["id"] == s["id"] for s in listed)
                 for p in t["built"]}
        latest = {
            "users": [{"id": USERS[u][0], "username": u, "name": USERS[u][1],
                       "avatar_template": avatar(u), "trust_level": USERS[u][2],
                       **({"moderator": True} if USERS[u][3] else {})} for u in sorted(users)],
            "primary_groups": [{"id": 41, "name": "community_team"}], "flair_groups": [],
            "topic_list": {"can_create_topic": False, "per_page": PER_PAGE,
                           "top_tags": ["outage", "esim", "kestrel-app", "direct-debit",
                                        "home-hub"],
                           **({"more_topics_url": f"/latest?order=activity&page={page + 1}"}
                              if more else {}),
                           "topics": listed},
        }
        url = f"{BASE}/latest.json?order=activity" + (f"&page={page}" if page else "")
        moment += timedelta(seconds=1 if page else 0)
        interactions.append(interaction(url, dump(latest), moment))
    summary_of = {s["id"]: s for s in summaries}

    for keyword in KEYWORDS:
        hits = []
        for topic in topics:
            for post in topic["built"]:
                if post.get("no_date") or post.get("deleted") or post.get("action"):
                    continue
                if keyword in post["text"].lower() or keyword in topic["title"].lower():
                    hits.append((topic, post))
        hits.sort(key=lambda h: h[1]["at"], reverse=True)
        assert len(hits) <= 50, "one page of search results holds 50 posts"
        seen_topics = list(dict.fromkeys(t["id"] for t, _ in hits))
        query = f"{keyword} order:latest"
        search = {
            "posts": [{"id": p["id"], "name": USERS[p["user"]][1], "username": p["user"],
                       "avatar_template": avatar(p["user"]), "created_at": iso(p["at"]),
                       "like_count": p.get("likes", 0), "blurb": blurb(p["text"], keyword),
                       "post_number": p["number"], "topic_title_headline": html.escape(t["title"]),
                       "topic_id": t["id"]} for t, p in hits],
            "topics": [{k: v for k, v in summary_of[i].items() if k != "posters"}
                       for i in seen_topics],
            "users": [], "categories": [], "tags": [], "groups": [],
            "grouped_search_result": {
                "more_posts": None, "more_users": None, "more_categories": None,
                "term": query, "search_log_id": 88120 + KEYWORDS.index(keyword),
                "more_full_page_results": None, "can_create_topic": False, "error": None,
                "extra": {}, "post_ids": [p["id"] for _, p in hits], "user_ids": [],
                "category_ids": [], "tag_ids": [], "group_ids": []},
        }
        moment += timedelta(seconds=1)
        interactions.append(interaction(f"{BASE}/search.json?{urlencode({'q': query})}",
                                        dump(search), moment))

    for summary in summaries:
        topic = next(t for t in topics if t["id"] == summary["id"])
        record = topic_json(topic)
        moment += timedelta(seconds=1)
        interactions.append(interaction(f"{BASE}/t/{topic['id']}.json", dump(record), moment))
        rest = record["post_stream"]["stream"][CHUNK:]
        all_posts = [post_json(topic, p) for p in topic["built"]]
        for end in range(len(rest), 0, -CHUNK):
            chunk = rest[max(0, end - CHUNK):end]
            body = {"post_stream": {"posts": [p for p in all_posts if p["id"] in chunk]},
                    "id": topic["id"]}
            query = urlencode([("post_ids[]", i) for i in chunk])
            moment += timedelta(seconds=1)
            interactions.append(interaction(f"{BASE}/t/{topic['id']}/posts.json?{query}",
                                            dump(body), moment))

    cassette = {"interactions": interactions, "recorded_with": "betamax/0.9.0"}
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cassette, indent=1, ensure_ascii=False) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    posts = sum(len(t["built"]) for t in topics)
    print(f"wrote {OUTPUT} ({len(text.encode('utf-8')):,} bytes; {len(topics)} topics, "
          f"{posts} posts, {len(interactions)} responses)")


if __name__ == "__main__":
    main()
