-- A desk store made by carewire 680aa72 on SQLite (sqlite3 iterdump), for
-- tests/desk/test_store_migrations.py: today's code must upgrade it in place.
BEGIN TRANSACTION;
CREATE TABLE desk_alerts (
	id INTEGER NOT NULL, 
	alert_id VARCHAR NOT NULL, 
	fired_at DATETIME NOT NULL, 
	hour_start DATETIME NOT NULL, 
	title TEXT NOT NULL, 
	explanation TEXT NOT NULL, 
	data TEXT NOT NULL, 
	acknowledged_by VARCHAR, 
	acknowledged_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (alert_id)
);
INSERT INTO "desk_alerts" VALUES(1,'a1','2026-11-24 08:00:00.000000','2026-11-24 07:00:00.000000','Mentions spike: Kestrel Mobile / x / topic billing, Tue 24 Nov 07:00 UTC','40 mentions against a usual 4','{"baseline_mad": 1.0, "baseline_median": 4.0, "baseline_spread": 2.0, "baseline_weeks": 8, "brand": "Kestrel Mobile", "count": 40, "examples": [], "hour_start": "2026-11-24T07:00:00+00:00", "metric": "mentions", "score": 18.0, "source": "x", "threshold": 12.0, "top_clusters": [], "topic": "billing"}',NULL,NULL);
CREATE TABLE desk_audit (
	audit_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR, 
	action VARCHAR NOT NULL, 
	target VARCHAR, 
	ip VARCHAR, 
	detail TEXT NOT NULL, 
	PRIMARY KEY (audit_id)
);
INSERT INTO "desk_audit" VALUES(1,'2026-11-24 08:00:00.000000',NULL,'user_added','lee',NULL,'{"role": "agent", "teams": ["care"]}');
INSERT INTO "desk_audit" VALUES(2,'2026-11-24 08:00:00.000000','lee','signed_in','lee','127.0.0.1','{}');
CREATE TABLE desk_events (
	event_id INTEGER NOT NULL, 
	item_id INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	actor VARCHAR, 
	at DATETIME NOT NULL, 
	data TEXT NOT NULL, 
	PRIMARY KEY (event_id), 
	FOREIGN KEY(item_id) REFERENCES desk_items (item_id)
);
INSERT INTO "desk_events" VALUES(1,1,'delivered',NULL,'2026-11-24 08:00:00.000000','{"priority": "high", "route": "contact_center", "team": "care"}');
INSERT INTO "desk_events" VALUES(2,1,'claimed','lee','2026-11-24 08:00:00.000000','{"team": "care"}');
INSERT INTO "desk_events" VALUES(3,1,'replied','lee','2026-11-24 08:00:00.000000','{"team": "care", "text": "Sorry Ana, we are looking at it"}');
CREATE TABLE desk_items (
	item_id INTEGER NOT NULL, 
	delivery_key VARCHAR NOT NULL, 
	route VARCHAR NOT NULL, 
	team VARCHAR NOT NULL, 
	priority VARCHAR NOT NULL, 
	sla_due_at DATETIME NOT NULL, 
	status VARCHAR NOT NULL, 
	assignee VARCHAR, 
	title TEXT NOT NULL, 
	body TEXT NOT NULL, 
	cluster_id VARCHAR, 
	rule_id VARCHAR NOT NULL, 
	reason TEXT NOT NULL, 
	mentions TEXT NOT NULL, 
	experts TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	source VARCHAR, 
	language VARCHAR, 
	sentiment VARCHAR, 
	intent VARCHAR, 
	influence_tier VARCHAR, 
	PRIMARY KEY (item_id), 
	CONSTRAINT ck_desk_items_status CHECK (status IN ('open', 'claimed', 'resolved')), 
	UNIQUE (delivery_key)
);
INSERT INTO "desk_items" VALUES(1,'x:1860000000000000001:desk','contact_center','care','high','2026-11-24 12:00:00.000000','claimed','lee','Bill doubled','My bill doubled this month',NULL,'account-problem','account words: bill','[{"author": "ana", "created_at": "2026-11-24T07:30:00+00:00", "influence_tier": "regular", "intent": "complaint", "language": "en", "sentiment": "negative", "source": "x", "source_id": "1860000000000000001", "text": "My bill doubled this month, can someone at Kestrel explain?", "url": "https://x.com/ana/status/1860000000000000001"}]','[]','2026-11-24 08:00:00.000000','2026-11-24 08:00:00.000000','x','en','negative','complaint','regular');
CREATE TABLE desk_sessions (
	token_sha256 VARCHAR NOT NULL, 
	user_name VARCHAR NOT NULL, 
	csrf_token VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_seen_at DATETIME NOT NULL, 
	PRIMARY KEY (token_sha256), 
	FOREIGN KEY(user_name) REFERENCES desk_users (name)
);
INSERT INTO "desk_sessions" VALUES('15d062f500394e95df365c8b0958f975815db3434052b560cd6a172b58bd981c','lee','yOPISjATiBO-GZ5LQrWKEkQoFIYC1qB3Zk-eipqBV5U','2026-11-24 08:00:00.000000','2026-11-24 08:00:00.000000');
CREATE TABLE desk_users (
	name VARCHAR NOT NULL, 
	password_hash VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	teams TEXT NOT NULL, 
	active BOOLEAN NOT NULL, 
	failed_sign_ins INTEGER NOT NULL, 
	locked_until DATETIME, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (name), 
	CONSTRAINT ck_desk_users_role CHECK (role IN ('agent', 'lead', 'admin'))
);
INSERT INTO "desk_users" VALUES('lee','scrypt$16384$8$1$b425c71e9fb3da26d1f287dfef9f1654$070d836881126b819d334585f1d457c6938272762b37dfe52a4df7724efc7f3ecf9cb8cf115dc8602aa44feb843c957e945dfc5ff82466dcd0ad1151db4b459b','agent','["care"]',1,0,NULL,'2026-11-24 08:00:00.000000');
CREATE INDEX ix_desk_items_queue ON desk_items (team, status, sla_due_at, item_id);
CREATE INDEX ix_desk_items_sla_due_at ON desk_items (sla_due_at);
CREATE INDEX ix_desk_items_cluster ON desk_items (cluster_id);
CREATE INDEX ix_desk_events_item_id ON desk_events (item_id);
CREATE INDEX ix_desk_events_at ON desk_events (at);
CREATE INDEX ix_desk_audit_at ON desk_audit (at);
CREATE INDEX ix_desk_alerts_hour_start ON desk_alerts (hour_start);
COMMIT;
