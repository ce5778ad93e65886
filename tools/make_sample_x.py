#!/usr/bin/env python3
"""Generate the bundled X sample traffic: carewire/sample/cassettes/x.json.

The demo (`carewire demo`) and the DAG tests replay this betamax cassette instead of the
X API (see connectors/replay.py and `http.replay_dir` in carewire/sample/carewire.yaml).
It holds what tweepy received for the `brand` query of the sample config,
`("kestrel mobile" OR @KestrelMobile OR #KestrelMobile) -is:retweet`, over the week of the
story told in tools/make_sample.py (17 to 24 November 2026, fictional UK network "Kestrel
Mobile"): two recent-search pages of X API v2 JSON, newest tweet first, joined by a
`next_token`, with the authors in `includes.users`.

Who posts: customers hit by the duplicate direct debits (Tue 17), the app 5.2.0 login loop
(Wed 18 to Sun 22, fixed by 5.2.1), the price-rise emails (Thu 19) and the fibre-cut outage
across Greater Manchester and West Yorkshire (Mon 23 from 07:05); @KestrelMobile and
@KestrelHelp answering; a tech journalist with 250k followers; a footballer; superfans who
reply to everyone; Welsh, Spanish, German and Polish posts; a scam, a crypto bot and a bird
watcher whose "kestrel. Mobile ..." matches the phrase. Recurring questions come back in
different words. Some posts carry personal data (account numbers, Ofcom drama-range phone
numbers) for the redaction step to find. One tweet arrives without `created_at`: it must
end in quarantine.

Not in this cassette: deleted tweets. X reports those only to a lookup of known ids
(`GET /2/tweets?ids=`), which the connector makes on a later run for tweets the search no
longer returns; a one-pass demo never makes it. tests/connectors/x covers it.

The time parameters (`start_time`, `end_time`) depend on the run's data interval, so the
cassette lists them in `match_ignore_params`: the demo replays this recording for whatever
hour it runs. `next_token` stays in the match, so page two answers page two.

Run `python tools/make_sample_x.py` from anywhere to regenerate. Standard library only,
fixed seed (random.Random(20261124)): the output is byte-identical on every run; edit the
texts below, not the JSON. All texts, people and ids are invented.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode

SEED = 20261124
UTC = timezone.utc
OUTPUT = Path(__file__).resolve().parents[1] / "carewire" / "sample" / "cassettes" / "x.json"

RECORDED = datetime(2026, 11, 24, 7, 59, 58, tzinfo=UTC)
START_TIME = "2026-11-17T08:00:00Z"  # as recorded; ignored when replaying
END_TIME = "2026-11-24T07:59:00Z"
PAGE_ONE = 50  # X returns fewer than max_results per page when it likes
TWITTER_EPOCH_MS = 1288834974657

API = "https://api.twitter.com/2/tweets/search/recent"
QUERY = '("kestrel mobile" OR @KestrelMobile OR #KestrelMobile) -is:retweet'
TWEET_FIELDS = ("created_at,lang,conversation_id,in_reply_to_user_id,referenced_tweets,"
                "public_metrics,entities")
USER_FIELDS = "username,name,public_metrics,verified,created_at,description"
EXPANSIONS = "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
USER_AGENT = ("carewire/0.1 (+https://github.com/carewire/carewire) "
              "Python/3.11.9 Requests/2.32.3 Tweepy/4.17.0")

# =========================================================================== the people
# handle: (display name, followers, following, tweets, verified, joined year, bio)

PEOPLE = {
    "KestrelMobile": ("Kestrel Mobile", 184200, 310, 22140, True, 2011,
                      "The UK network that flies higher. Help: @KestrelHelp"),
    "KestrelHelp": ("Kestrel Mobile Help", 48210, 12, 310442, True, 2012,
                    "Here 8am-10pm every day. Never post your account number: DM us."),
    "techwithtara": ("Tara Osei", 251300, 1893, 48211, True, 2010,
                     "Telecoms & consumer tech reporter. Tips: DMs open. Views mine."),
    "jmcallister9": ("Jordan McAllister", 1204000, 402, 3120, True, 2013,
                     "Footballer. Number 9. Dad. Partnerships: mgmt@example.com"),
    "kestrelkev": ("Kev ✈️ Kestrel fan", 2210, 1980, 61230, False, 2015,
                   "On Kestrel since the beginning. Not staff, just helpful. Huddersfield."),
    "sim_simone": ("Simone | phones & plans", 3820, 611, 22904, False, 2016,
                   "Mobile deals nerd. Kestrel superfan. Leeds."),
    "moneysavingmeg": ("Meg Holloway", 15400, 1320, 30110, False, 2012,
                       "Personal finance blogger. Know your rights. 💷"),
    "tomhalliday_": ("Tom Halliday", 212, 340, 1870, False, 2018, "Sheffield. Bikes."),
    "jess_m_leeds": ("Jess", 540, 612, 8120, False, 2014, "Leeds | nurse | coffee"),
    "bexstar88": ("Bex", 1290, 830, 25400, False, 2011, "tired"),
    "gary_wilko": ("Gary Wilkinson", 88, 140, 420, False, 2020, ""),
    "ceri_jones": ("Ceri Jones", 402, 377, 6122, False, 2013, "Caerdydd 🏴󠁧󠁢󠁷󠁬󠁳󠁿"),
    "the_real_dunc": ("Duncan", 61, 95, 780, False, 2019, ""),
    "lindsay_pt": ("Lindsay | PT", 2304, 1800, 9450, False, 2016, "Personal trainer, Bolton"),
    "owen_r": ("Owen R", 130, 201, 990, False, 2017, ""),
    "priya_codes": ("Priya N", 4100, 730, 15020, False, 2013, "Android dev. Opinions compile."),
    "lou_harrison": ("Lou Harrison", 318, 402, 4021, False, 2015, "Wakefield"),
    "mark_t_1979": ("Mark T", 77, 160, 1302, False, 2021, "Dad jokes only"),
    "elena_rv": ("Elena R.", 690, 540, 7700, False, 2014, "Madrileña en Manchester"),
    "sarah_k_b": ("Sarah B", 210, 305, 2890, False, 2016, ""),
    "jonnyb": ("Jonny B", 45, 88, 310, False, 2022, ""),
    "chloe_writes": ("Chloe", 1520, 990, 18030, False, 2012, "writer, mostly of emails"),
    "brum_steve": ("Steve", 120, 330, 2200, False, 2015, "Brum. Villa."),
    "annie_w": ("Annie Walsh", 260, 180, 3300, False, 2014, ""),
    "dave_pearson": ("Dave Pearson", 99, 120, 640, False, 2018, ""),
    "hollyhocks": ("Holly 🌸", 3300, 2100, 40100, False, 2010, "gardens & grumbles"),
    "ravi_s": ("Ravi S", 512, 450, 2750, False, 2017, "security-minded"),
    "nana_b": ("Nana B", 150, 210, 1990, False, 2019, ""),
    "fi_mcd": ("Fiona McDonald", 720, 630, 11230, False, 2013, "Glasgow → Salford"),
    "tariq_k": ("Tariq K", 205, 260, 1480, False, 2018, ""),
    "hawkwatch_pennines": ("Pennine Raptor Watch", 5600, 420, 8870, False, 2014,
                           "Birds of prey of the South Pennines. 📷"),
    "greta_h": ("Greta H.", 330, 290, 4200, False, 2016, "Berlin ↔ Leeds"),
    "kestrel_refunds_uk": ("Kestrel Refunds Team", 12, 2001, 40, False, 2026, "Official refunds"),
    "mikey_dee": ("Mikey D", 240, 380, 5300, False, 2015, ""),
    "utdgirl_89": ("Becky 🔴", 2800, 2500, 60120, False, 2012, "United till I die"),
    "sophie_lg": ("Sophie L-G", 640, 520, 7200, False, 2013, "new iPhone who dis"),
    "tlw_home": ("Tom W", 90, 150, 820, False, 2020, ""),
    "pete_ramsden": ("Pete Ramsden", 310, 280, 3900, False, 2014, "Halifax"),
    "holly_gee": ("Holly G", 140, 200, 1900, False, 2018, ""),
    "lucy_loo": ("Lucy", 880, 760, 14300, False, 2012, "Leeds LS6"),
    "amir_h": ("Amir Hussain", 1020, 640, 6100, False, 2015, "Bradford | Hussain Motors"),
    "leeds_lass": ("Leeds Lass", 3900, 3100, 52000, False, 2011, "Loiners forever"),
    "halifaxharry": ("Harry", 190, 240, 2010, False, 2016, ""),
    "mancmartin": ("Martin", 410, 520, 9900, False, 2013, "Manchester. Grumpy before coffee."),
    "nurse_jo_m": ("Jo M", 730, 640, 5400, False, 2015, "Community nurse, Oldham. 💙"),
    "kirklees_kate": ("Kate", 260, 300, 3000, False, 2017, "Dewsbury"),
    "steph_ops": ("Steph | Ops", 1150, 800, 6700, False, 2014, "Ops lead in Salford"),
    "ppl_wakefield": ("Paula", 110, 160, 700, False, 2019, ""),
    "kasia_w": ("Kasia W.", 380, 410, 4100, False, 2016, "Leeds | 🇵🇱"),
    "jamie_bolton": ("Jamie", 95, 130, 870, False, 2021, "Bolton"),
    "rochdale_rob": ("Rob", 640, 700, 9200, False, 2012, "Rochdale & proud"),
    "carla_m": ("Carla M", 480, 390, 5200, False, 2014, ""),
    "yorkshire_dan": ("Dan 🏏", 1500, 1200, 21000, False, 2011, "Huddersfield"),
    "bfd_imran": ("Imran", 300, 350, 2600, False, 2018, "Bradford"),
    "moonboi_crypto": ("MOON 🚀🚀", 9, 4800, 120400, False, 2025, "not financial advice"),
    "daniel_i": ("Daniel", 160, 210, 1100, False, 2019, ""),
    "glitchy_gwen": ("Gwen", 520, 480, 6900, False, 2014, "Calderdale"),
    "ann_marie_k": ("Ann-Marie", 70, 110, 450, False, 2022, ""),
}

# =========================================================================== the tweets
# (key, handle, "DD HH:MM", text[, reply_to key][, lang]). Replies start with @handle as
# X writes them. Keys must be unique; times are UK time, which is UTC in November.

TWEETS = [
    # --- Tue 17: a payment partner fault takes the November direct debit twice
    ("dd1", "tomhalliday_", "17 08:14", "@KestrelMobile you've taken my direct debit twice this morning. £38.50 x2. Account KM-48213377. Rent is due Friday, sort it please"),
    ("dd1r", "KestrelHelp", "17 08:31", "@tomhalliday_ @KestrelMobile Hi Tom, sorry about this. Some customers were charged twice today and every duplicate goes back to the account it came from by 24 November. Please don't post your account number publicly, DM us if you need anything. ^Priya", "dd1"),
    ("dd2", "jess_m_leeds", "17 08:40", "Anyone else with Kestrel Mobile been charged twice?? Two identical payments on my statement today #KestrelMobile"),
    ("dd3", "bexstar88", "17 09:05", "kestrel mobile double charged me. on a month where I'm already skint. brilliant 🙃"),
    ("dd_official", "KestrelMobile", "17 09:22", "Some customers have had this month's payment taken twice because of a fault at one of our payment partners. Every duplicate will be refunded by 24 November and you don't need to contact us. We're sorry. #KestrelMobile"),
    ("dd4", "gary_wilko", "17 10:03", "@KestrelMobile refund by the 24th is no good when my bank charged me £25 for going overdrawn because of YOUR duplicate payment. Who pays that?", "dd_official"),
    ("dd4r", "KestrelHelp", "17 10:20", "@gary_wilko @KestrelMobile Hi Gary, we'll cover bank charges caused by the duplicate payment. DM us a screenshot of the charge and we'll credit it. ^Sam", "dd4"),
    ("dd5", "lindsay_pt", "17 11:15", "Kestrel Mobile has charged me twice for November. Do I ring them or just wait?"),
    ("dd6", "moneysavingmeg", "17 12:47", "PSA: if Kestrel Mobile took your direct debit twice today, the Direct Debit Guarantee means your bank must refund the duplicate straight away. You don't have to wait for Kestrel. Keep screenshots of any overdraft fees. #KestrelMobile"),
    ("dd7", "ceri_jones", "17 13:10", "Wedi cael fy nghodi ddwywaith gan Kestrel Mobile heddiw. Da iawn wir 🙄", None, "cy"),
    ("dd8", "owen_r", "17 14:02", "Two payments to KESTREL MOBILE LTD in my banking app today, same amount. Account KM-55120943 if anyone from @KestrelHelp is reading"),
    ("dd8r", "KestrelHelp", "17 14:20", "@owen_r Hi Owen, that's the duplicate payment fault, it'll be refunded automatically. Please delete your tweet with the account number; we've got it from here. ^Jo #KestrelMobile", "dd8"),
    ("dd9", "the_real_dunc", "17 18:33", "Is Kestrel Mobile's double charge a thing or has my bank gone mad? £41 gone twice"),
    ("dd10", "kestrelkev", "17 19:02", "Been with Kestrel Mobile 11 years, first time they've messed up a payment. Refund's already showing as pending on mine. Give them a break folks 🤝 #KestrelMobile"),
    ("dd11", "sim_simone", "17 19:40", "@the_real_dunc it's a thing, Kestrel Mobile took loads of people twice today. Ask your bank under the Direct Debit Guarantee, quickest way", "dd9"),
    # --- Wed 18: app 5.2.0 ships; some users are signed out in a loop
    ("app1", "priya_codes", "18 07:52", "Kestrel app 5.2.0 signs me straight back out after I enter the code. Round and round. @KestrelMobile"),
    ("app2", "lou_harrison", "18 08:15", "@KestrelMobile your app keeps asking me to sign in again and again, can't even see my bill"),
    ("app2r", "KestrelHelp", "18 08:40", "@lou_harrison @KestrelMobile Hi Lou, we know about a sign-in loop in app 5.2.0 on some phones and a fix is on the way. Meanwhile your bill is at kestrelmobile.example/account ^Dan", "app2"),
    ("app3", "mark_t_1979", "18 09:12", "Kestrel Mobile app: enter email, enter code, back to the login screen. Repeat forever. Is this a new fitness feature"),
    ("app4", "chloe_writes", "18 10:05", "The Kestrel Mobile app is stuck in a login loop and I need my PUK code 😩 @KestrelHelp"),
    ("app5", "elena_rv", "18 12:30", "La app de Kestrel Mobile no me deja iniciar sesión, siempre vuelve a la pantalla de inicio. ¿A alguien más le pasa? #KestrelMobile", None, "es"),
    ("app6", "kestrelkev", "18 13:55", "Workaround for the Kestrel app login loop: turn off 'Sign in with fingerprint' in the app's settings before you log in, force close, log in again. Worked on my Pixel 8 #KestrelMobile"),
    ("app6a", "sarah_k_b", "18 14:10", "@kestrelkev legend, that worked!! #KestrelMobile", "app6"),
    ("app6b", "sim_simone", "18 14:22", "@kestrelkev confirmed on a Samsung too. Kestrel Mobile should pin this", "app6"),
    ("app7", "brum_steve", "18 16:20", "Kestrel Mobile app update broke login for me. Email, code, back to the start"),
    ("app8", "jonnyb", "18 20:41", "how do I log into the kestrel mobile app if it keeps kicking me out? tried reinstalling, no joy"),
    ("app8r", "sim_simone", "18 20:55", "@jonnyb turn off fingerprint sign in first, see kev's tip. Kestrel Mobile are fixing it properly", "app8"),
    # --- Thu 19: price-rise emails
    ("pr1", "annie_w", "19 08:05", "Just got an email from Kestrel Mobile saying my bill goes up £2 a month from April. Mid-contract. Thanks for that."),
    ("pr2", "dave_pearson", "19 08:48", "@KestrelMobile price rise email this morning, can I leave without an exit fee? I'm 8 months into 24"),
    ("pr2r", "KestrelHelp", "19 09:10", "@dave_pearson @KestrelMobile Hi Dave, the April change is the one set out in your contract, so it doesn't let you leave without the exit fee. We're happy to check for a better plan though, DM us. ^Priya", "pr2"),
    ("pr3", "techwithtara", "19 10:30", "Kestrel Mobile is emailing customers about a £1.50-£2/month rise from April, in the same week as duplicate direct debits and an app update that signs people out in a loop. Not a great week. I've asked them for comment."),
    ("pr3a", "kestrelkev", "19 10:41", "@techwithtara to be fair the Kestrel Mobile app workaround works and the refunds are landing. Price rise is rubbish though", "pr3"),
    ("pr3b", "hollyhocks", "19 10:52", "@techwithtara the Kestrel Mobile email came from an address I'd never seen, I thought it was phishing tbh", "pr3"),
    ("pr3c", "sim_simone", "19 11:03", "@techwithtara for context Kestrel Mobile's rise is smaller than most networks this year. Still annoying", "pr3"),
    ("pr4", "ravi_s", "19 11:20", "Is this Kestrel Mobile price rise email real? It came from noreply@mail.kestrelmobile.example and wants me to 'review my plan'. Looks dodgy"),
    ("pr5", "fi_mcd", "19 12:40", "'Your price is changing' email from Kestrel Mobile. Mid-contract rises should be banned, full stop"),
    ("pr6", "tariq_k", "19 15:05", "@KestrelMobile does the price rise apply to SIM only plans as well?"),
    ("pr6r", "KestrelHelp", "19 15:30", "@tariq_k @KestrelMobile Hi Tariq, yes, SIM only plans go up by £1.50 a month from 1 April. ^Sam", "pr6"),
    ("pr7", "nana_b", "19 16:40", "Kestrel Mobile putting prices up again. Time to look at other networks I think"),
    ("bird", "hawkwatch_pennines", "19 14:12", "Hovering kestrel over the Calder this afternoon 📷 Best kestrel mobile-phone-through-the-scope shot I've managed, so forgive the quality #birding"),
    # --- Fri 20
    ("dd1b", "tomhalliday_", "20 09:15", "Refund from @KestrelMobile landed. Thanks ^Priya for sorting it so quickly", "dd1r"),
    ("app9", "greta_h", "20 13:30", "Die Kestrel Mobile App wirft mich seit dem Update ständig raus. Login unmöglich. Hat jemand eine Lösung?", None, "de"),
    ("app10", "holly_gee", "20 10:10", "Anyone know if the Kestrel Mobile app fix is out yet? still logged out"),
    ("scam", "kestrel_refunds_uk", "20 17:44", "🔥 Kestrel Mobile customers! Claim your £200 duplicate payment refund now 👉 kestrel-refunds.example/claim 🔥 #KestrelMobile"),
    ("scam_r", "KestrelHelp", "20 18:02", "Heads up: messages offering 'refunds' through links are NOT from us. We never ask for card details by message. Forward scam texts to 7726. #KestrelMobile"),
    # --- Sat 21
    ("app11", "mikey_dee", "21 10:20", "Still can't log into the Kestrel app. 4 days now. @KestrelMobile when's the fix?"),
    ("app11r", "KestrelHelp", "21 10:35", "@mikey_dee @KestrelMobile Hi Mikey, app 5.2.1 fixes the sign-in loop and goes out tomorrow. Sorry for the wait. ^Sam", "app11"),
    ("lucy", "lucy_loo", "21 12:15", "Switched to Kestrel Mobile last month and the 5G in Leeds city centre is genuinely quick. 480Mbps 👀"),
    ("foot", "jmcallister9", "21 14:12", "Cheers @KestrelMobile for sorting the signal at the training ground 🙌 no more excuses for missing the group chat 😂"),
    ("foot_a", "kestrelkev", "21 14:30", "@jmcallister9 @KestrelMobile the man himself is on Kestrel!! 🙌", "foot"),
    ("foot_b", "utdgirl_89", "21 14:31", "@jmcallister9 @KestrelMobile now score on Saturday then 😂", "foot"),
    ("foot_c", "sim_simone", "21 14:40", "@jmcallister9 @KestrelMobile best advert Kestrel Mobile never paid for", "foot"),
    ("esim1", "sophie_lg", "21 19:00", "Kestrel Mobile eSIM transfer from my old iPhone: 'activating' for 3 hours now. Is this normal?"),
    ("esim1r", "KestrelHelp", "21 19:20", "@sophie_lg Hi Sophie, it can take up to 4 hours. If it's still stuck then, restart once on Wi-Fi and leave the set-up screen open till it finishes. ^Dan #KestrelMobile", "esim1"),
    # --- Sun 22: app 5.2.1
    ("fix", "KestrelMobile", "22 09:10", "Kestrel app 5.2.1 is out now on the App Store and Google Play. It fixes the sign-in loop some of you hit after 5.2.0. Thanks for bearing with us #KestrelMobile"),
    ("fix_a", "lou_harrison", "22 09:45", "@KestrelMobile updated and I'm in! Finally", "fix"),
    ("fix_b", "priya_codes", "22 10:12", "@KestrelMobile 5.2.1 fixed it for me. Was the fingerprint prompt racing the token refresh? Would love a write-up", "fix"),
    ("fix_c", "jonnyb", "22 11:00", "kestrel mobile app still kicking me out, is the update out for android yet?"),
    ("fix_cr", "KestrelHelp", "22 11:18", "@jonnyb Hi Jonny, 5.2.1 is rolling out on Google Play today. If you can't see it yet, try again this afternoon. ^Sam #KestrelMobile", "fix_c"),
    ("hub1", "tlw_home", "22 16:40", "Kestrel Home Hub keeps dropping wifi every evening around 8. Restarted it a dozen times. Kestrel Mobile broadband is not it"),
    ("hub2", "pete_ramsden", "22 13:00", "Kestrel Home Hub lights flashing orange, no internet. Restarted twice. @KestrelHelp helpline queue 40 mins #KestrelMobile"),
    ("hub3", "kestrelkev", "22 20:15", "@tlw_home Kestrel Home Hub tip: get it off the floor and away from the telly, then set the 5GHz channel to 36 in the admin page. Rock solid since #KestrelMobile", "hub1"),
    # --- Mon 23: fibre cut near Brighouse from about 07:05
    ("out1", "amir_h", "23 07:09", "No signal at all on Kestrel Mobile in Bradford. Anyone else? Can't ring the garage"),
    ("out2", "leeds_lass", "23 07:11", "@KestrelMobile is there an outage in Leeds? SOS only on my phone"),
    ("out3", "halifaxharry", "23 07:14", "kestrel mobile down in halifax? no data no calls"),
    ("out4", "mancmartin", "23 07:16", "Kestrel Mobile dead in Manchester city centre. Great start to Monday"),
    ("out5", "nurse_jo_m", "23 07:20", "@KestrelMobile I'm a community nurse and can't ring my patients. No signal in Oldham since 7. Please give us an ETA"),
    ("out6", "kirklees_kate", "23 07:25", "No signal Kestrel Mobile in Dewsbury. Wi-Fi calling works though if you've got broadband"),
    ("out_official", "KestrelMobile", "23 07:31", "Some customers in Greater Manchester and West Yorkshire have no signal or data. Our engineers are on it and we'll update here every hour. We're sorry. #KestrelMobile"),
    ("out5r", "KestrelHelp", "23 07:40", "@nurse_jo_m @KestrelMobile We're so sorry Jo. Engineers are on it, no ETA yet. If you can get on Wi-Fi, Wi-Fi calling works on most phones (Settings > Mobile > Wi-Fi Calling). ^Priya", "out5"),
    ("out7", "steph_ops", "23 07:50", "Is @KestrelMobile down? Half the office in Salford has no signal and the status page says all systems operational 🤔"),
    ("out_tara", "techwithtara", "23 07:58", "Kestrel Mobile has a major outage across Greater Manchester and West Yorkshire this morning: no calls or data since about 7:05. The company says engineers are working on it. Its status page still shows green."),
    ("out_tara_a", "kestrelkev", "23 08:03", "@techwithtara Wi-Fi calling is working on Kestrel Mobile for me in Huddersfield if anyone needs to make calls", "out_tara"),
    ("out_tara_b", "bexstar88", "23 08:10", "@techwithtara kestrel mobile double charged me last week, no signal this week. what next", "out_tara"),
    ("out_tara_c", "sim_simone", "23 08:14", "@techwithtara can confirm Kestrel Mobile is fully down in Leeds, even 999 wouldn't connect for my neighbour", "out_tara"),
    ("out8", "ppl_wakefield", "23 08:22", "@KestrelMobile my dad is 84 and his care alarm runs on his mobile. His number is 07700 900461, he's in Wakefield, can someone call him when this is fixed"),
    ("out8r", "KestrelHelp", "23 08:40", "@ppl_wakefield @KestrelMobile We've sent you a DM. Please remove your dad's number from this post to keep his details safe. ^Sam", "out8"),
    ("out9", "kasia_w", "23 09:05", "Kestrel Mobile nie działa w Leeds od rana. Brak zasięgu, brak internetu. Ktoś wie, kiedy naprawią?", None, "pl"),
    ("out10", "mancmartin", "23 09:30", "2.5 hours with no signal on Kestrel Mobile. Is there any compensation for this?"),
    ("out11", "jamie_bolton", "23 09:50", "kestrel mobile still down in Bolton, texts not going through either"),
    ("out12", "kestrelkev", "23 10:15", "Kestrel Mobile outage: word is a fibre cut near Brighouse. Fix in progress. Use Wi-Fi calling if you can #KestrelMobile"),
    ("out13", "rochdale_rob", "23 10:40", "If you're on Kestrel Mobile in Rochdale, the library has free wifi and a kettle 👍"),
    ("out14", "amir_h", "23 11:30", "Still nothing on Kestrel Mobile in Bradford. 4 and a half hours. I run my business off this phone, ring me on 07700 900128 when you've fixed it @KestrelHelp"),
    ("out_update", "KestrelMobile", "23 12:05", "12:00 update: a third-party contractor cut one of our fibre cables near Brighouse. Engineers are splicing it now and we expect service back this afternoon. #KestrelMobile"),
    ("out15", "carla_m", "23 12:30", "Kestrel Mobile chat says 'no known issues in your area'. I'm in Leeds. Come on."),
    ("out16", "bfd_imran", "23 13:05", "Kestrel Mobile ka signal subah se gayab hai Bradford mein, koi update?", None, "und"),
    ("out17", "hollyhocks", "23 13:40", "Do Kestrel Mobile pay automatic compensation for outages like the broadband companies have to?"),
    ("out17r", "moneysavingmeg", "23 13:58", "@hollyhocks No, Ofcom's automatic compensation covers landline and broadband, not mobile. You'll have to ask Kestrel Mobile for a credit. Thread coming tonight", "out17"),
    ("out18", "yorkshire_dan", "23 15:10", "Signal back in Huddersfield! Kestrel Mobile is alive 🎉"),
    ("out18a", "kestrelkev", "23 15:20", "@yorkshire_dan same here, Kestrel Mobile bars are back 🙌", "out18"),
    ("out19", "mancmartin", "23 15:12", "Kestrel Mobile back in Manchester. 8 hours. Expecting a credit on my bill."),
    ("out20", "lucy_loo", "23 18:40", "Still no signal in LS6 and Kestrel Mobile says it's restored. Restarted three times."),
    ("out21", "glitchy_gwen", "23 19:05", "Kestrel Mobile back in Brighouse, which feels fair given it was our fibre that got cut 😅"),
    ("out22", "kestrelkev", "23 21:00", "Kestrel Mobile superfan confession: even I was swearing at my phone this morning 😅"),
    # --- Tue 24: post-incident note
    ("note", "KestrelMobile", "24 06:30", "Yesterday a contractor cut one of our fibres near Brighouse at 07:05. Most areas were back by 15:30. Everyone with a Greater Manchester or West Yorkshire billing address gets a day's line rental credited on their December bill, no need to ask. Full note: kestrelmobile.example/status/2026-11-23 #KestrelMobile"),
    ("note_tara", "techwithtara", "24 06:45", "Kestrel Mobile says a contractor's fibre cut near Brighouse caused yesterday's outage and will credit a day's line rental automatically. Its status page said 'all systems operational' until 08:52. Ofcom says it is 'engaging' with the company."),
    ("note_a", "nurse_jo_m", "24 06:52", "@KestrelMobile a day's line rental doesn't cover the visits I couldn't confirm, but thank you for the update", "note"),
    ("note_b", "amir_h", "24 07:02", "A day's line rental from Kestrel Mobile for a day of no business phone. Generous."),
    ("note_c", "moneysavingmeg", "24 07:10", "@KestrelMobile will pay as you go customers get something too?", "note"),
    ("note_cr", "KestrelHelp", "24 07:15", "@moneysavingmeg @KestrelMobile Yes, pay as you go customers in the affected areas get a day's worth of credit added by Friday. Extra costs, like taxis, can be claimed in the app. ^Dan", "note_c"),
    ("note_d", "kestrelkev", "24 07:22", "Fair play Kestrel Mobile, proper post-incident note and an automatic credit. That's how you do it #KestrelMobile"),
    ("note_e", "ann_marie_k", "24 07:24", "@KestrelHelp @moneysavingmeg @KestrelMobile I couldn't ring 999 yesterday when my mum fell. Account KM-30057719. I want to know how that happened", "note_cr"),
    ("note_f", "daniel_i", "24 07:26", "Kestrel Mobile credit already showing in the app. Fine I suppose"),
    ("crypto", "moonboi_crypto", "24 07:28", "🚀🚀 $KESTREL mobile mining app airdrop LIVE 🚀🚀 kestrelcoin.example 1000x #KestrelMobile #crypto #airdrop"),
]

MISSING_CREATED_AT = "out21"
"""The tweet X sends without `created_at`: the connector must reject it, not guess."""


# =========================================================================== building


def snowflake(moment: datetime, rng: random.Random) -> str:
    millis = int(moment.timestamp() * 1000) + rng.randrange(1000) - TWITTER_EPOCH_MS
    return str((millis << 22) | (rng.randrange(32) << 17) | (rng.randrange(32) << 12)
               | rng.randrange(4096))


def iso_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def build_users(rng: random.Random) -> dict[str, dict]:
    users = {}
    for handle, (name, followers, following, tweets, verified, year, bio) in PEOPLE.items():
        joined = datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(300 * 86400))
        digits = 9 if year < 2012 else 10 if year < 2016 else 18 if year < 2020 else 19
        users[handle] = {
            "id": str(rng.randrange(10 ** (digits - 1), 10 ** digits)),
            "username": handle, "name": name, "verified": verified,
            "created_at": iso_ms(joined), "description": bio,
            "public_metrics": {"followers_count": followers, "following_count": following,
                               "tweet_count": tweets, "listed_count": followers // 90,
                               "like_count": tweets * rng.randint(1, 4)},
        }
    return users


def entities(text: str, users: dict[str, dict]) -> dict:
    found: dict[str, list] = {}
    for match in re.finditer(r"#(\w+)", text):
        found.setdefault("hashtags", []).append(
            {"start": match.start(), "end": match.end(), "tag": match.group(1)})
    for match in re.finditer(r"\$([A-Z]{3,})", text):
        found.setdefault("cashtags", []).append(
            {"start": match.start(), "end": match.end(), "tag": match.group(1)})
    for match in re.finditer(r"@(\w+)", text):
        if match.group(1) in users:
            found.setdefault("mentions", []).append(
                {"start": match.start(), "end": match.end(), "username": match.group(1),
                 "id": users[match.group(1)]["id"]})
    return found


def matches_query(text: str) -> bool:
    """What X's query does with our texts: the phrase (punctuation ignored), the handle as
    a mention, or the hashtag. Every recorded tweet must match, as the real ones would."""
    words = " ".join(re.findall(r"\w+", text.lower()))
    return (" kestrel mobile " in f" {words} " or
            re.search(r"@kestrelmobile\b", text.lower()) is not None or
            re.search(r"#kestrelmobile\b", text.lower()) is not None)


def build_tweets(rng: random.Random, users: dict[str, dict]) -> list[dict]:
    by_key: dict[str, dict] = {}
    replies: dict[str, int] = {}
    for spec in TWEETS:
        if len(spec) > 4 and spec[4]:
            replies[spec[4]] = replies.get(spec[4], 0) + 1
    for key, handle, when, text, *rest in TWEETS:
        reply_to = rest[0] if rest else None
        lang = rest[1] if len(rest) > 1 else "en"
        assert key not in by_key and handle in PEOPLE, key
        assert matches_query(text), f"{key} would not match the query"
        day, clock = when.split(" ")
        hour, minute = (int(x) for x in clock.split(":"))
        moment = datetime(2026, 11, int(day), hour, minute, rng.randrange(60), tzinfo=UTC)
        assert START_TIME <= moment.strftime("%Y-%m-%dT%H:%M:%SZ") <= END_TIME, key
        tweet_id = snowflake(moment, rng)
        reach = users[handle]["public_metrics"]["followers_count"]
        likes = int(rng.random() ** 2 * max(3, reach) ** 0.5 * 2) + rng.randrange(3)
        tweet = {
            "edit_history_tweet_ids": [tweet_id],
            "lang": lang,
            "text": text,
            "id": tweet_id,
            "author_id": users[handle]["id"],
            "created_at": iso_ms(moment),
            "conversation_id": tweet_id,
            "public_metrics": {
                "retweet_count": likes // rng.randint(4, 12),
                "reply_count": replies.get(key, 0) + rng.randrange(2 + reach // 20000),
                "like_count": likes, "quote_count": likes // 40,
                "bookmark_count": likes // 25,
                "impression_count": likes * rng.randint(30, 90) + rng.randrange(40, 400)},
        }
        if reply_to:
            parent = by_key[reply_to]
            assert parent["_moment"] < moment, key
            tweet["conversation_id"] = parent["conversation_id"]
            tweet["in_reply_to_user_id"] = parent["author_id"]
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
        found = entities(text, users)
        if found:
            tweet["entities"] = found
        if key == MISSING_CREATED_AT:
            del tweet["created_at"]
        tweet["_moment"] = moment
        by_key[key] = tweet
    return sorted(by_key.values(), key=lambda t: t["_moment"], reverse=True)


def page_body(tweets: list[dict], users: dict[str, dict], next_token: str | None) -> str:
    by_id = {u["id"]: u for u in users.values()}
    authors: list[dict] = []
    for tweet in tweets:
        if by_id[tweet["author_id"]] not in authors:
            authors.append(by_id[tweet["author_id"]])
    meta = {"newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"],
            "result_count": len(tweets)}
    if next_token:
        meta["next_token"] = next_token
    data = [{k: v for k, v in t.items() if k != "_moment"} for t in tweets]
    return json.dumps({"data": data, "includes": {"users": authors}, "meta": meta},
                      ensure_ascii=False, separators=(",", ":"))


def search_uri(next_token: str | None) -> str:
    params = {"end_time": END_TIME, "expansions": EXPANSIONS, "max_results": "100"}
    if next_token:
        params["next_token"] = next_token
    params.update({"query": QUERY, "start_time": START_TIME, "tweet.fields": TWEET_FIELDS,
                   "user.fields": USER_FIELDS})
    return f"{API}?{urlencode(params)}"


def interaction(uri: str, body: str, remaining: int, rng: random.Random) -> dict:
    reset = int((RECORDED + timedelta(minutes=15)).timestamp())
    headers = {
        "date": format_datetime(RECORDED, usegmt=True),
        "perf": "7402827104",
        "server": "tsa_b",
        "set-cookie": "guest_id=v1%3A176397119800000001; Max-Age=34214400; Expires=Fri, 25 "
                      "Dec 2027 07:59:58 GMT; Path=/; Domain=.twitter.com; Secure; SameSite=None",
        "api-version": "2.134",
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-cache, no-store, max-age=0",
        "content-length": str(len(body.encode("utf-8"))),
        "x-access-level": "read",
        "x-frame-options": "SAMEORIGIN",
        "x-transaction-id": "".join(rng.choice("0123456789abcdef") for _ in range(16)),
        "x-xss-protection": "0",
        "x-rate-limit-limit": "450",
        "x-rate-limit-reset": str(reset),
        "x-rate-limit-remaining": str(remaining),
        "strict-transport-security": "max-age=631138519",
        "x-response-time": str(rng.randint(90, 240)),
        "x-connection-hash": hashlib.sha256(f"{SEED}{remaining}".encode()).hexdigest(),
    }
    return {
        "request": {
            "method": "GET",
            "uri": uri,
            "body": {"encoding": "utf-8", "string": ""},
            "headers": {"User-Agent": [USER_AGENT], "Accept-Encoding": ["gzip, deflate"],
                        "Accept": ["*/*"], "Connection": ["keep-alive"],
                        "Authorization": ["Bearer <REDACTED>"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {name: [value] for name, value in headers.items()},
            "body": {"encoding": "utf-8", "string": body},
            "url": uri,
        },
        "recorded_at": RECORDED.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def main() -> None:
    rng = random.Random(SEED)
    users = build_users(rng)
    assert len({u["id"] for u in users.values()}) == len(users)
    tweets = build_tweets(rng, users)
    first, second = tweets[:PAGE_ONE], tweets[PAGE_ONE:]
    token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(18))
    cassette = {
        "interactions": [
            interaction(search_uri(None), page_body(first, users, token), 449, rng),
            interaction(search_uri(token), page_body(second, users, None), 448, rng),
        ],
        "match_ignore_params": ["start_time", "end_time"],
        "recorded_with": "betamax/0.9.0",
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cassette, indent=1, ensure_ascii=False) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode('utf-8')):,} bytes, {len(tweets)} tweets by "
          f"{len({t['author_id'] for t in tweets})} authors)")


if __name__ == "__main__":
    main()
