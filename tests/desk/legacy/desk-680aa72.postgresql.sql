-- A desk store made by carewire 680aa72 on PostgreSQL 15 (pg_dump --inserts, schema-free),
-- for tests/desk/test_store_migrations.py: today's code must upgrade it in place.
CREATE TABLE desk_alerts (
    id integer NOT NULL,
    alert_id character varying NOT NULL,
    fired_at timestamp with time zone NOT NULL,
    hour_start timestamp with time zone NOT NULL,
    title text NOT NULL,
    explanation text NOT NULL,
    data text NOT NULL,
    acknowledged_by character varying,
    acknowledged_at timestamp with time zone
);
CREATE SEQUENCE desk_alerts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE desk_alerts_id_seq OWNED BY desk_alerts.id;
CREATE TABLE desk_audit (
    audit_id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    actor character varying,
    action character varying NOT NULL,
    target character varying,
    ip character varying,
    detail text NOT NULL
);
CREATE SEQUENCE desk_audit_audit_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE desk_audit_audit_id_seq OWNED BY desk_audit.audit_id;
CREATE TABLE desk_events (
    event_id integer NOT NULL,
    item_id integer NOT NULL,
    kind character varying NOT NULL,
    actor character varying,
    at timestamp with time zone NOT NULL,
    data text NOT NULL
);
CREATE SEQUENCE desk_events_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE desk_events_event_id_seq OWNED BY desk_events.event_id;
CREATE TABLE desk_items (
    item_id integer NOT NULL,
    delivery_key character varying NOT NULL,
    route character varying NOT NULL,
    team character varying NOT NULL,
    priority character varying NOT NULL,
    sla_due_at timestamp with time zone NOT NULL,
    status character varying NOT NULL,
    assignee character varying,
    title text NOT NULL,
    body text NOT NULL,
    cluster_id character varying,
    rule_id character varying NOT NULL,
    reason text NOT NULL,
    mentions text NOT NULL,
    experts text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    source character varying,
    language character varying,
    sentiment character varying,
    intent character varying,
    influence_tier character varying,
    CONSTRAINT ck_desk_items_status CHECK (((status)::text = ANY ((ARRAY['open'::character varying, 'claimed'::character varying, 'resolved'::character varying])::text[])))
);
CREATE SEQUENCE desk_items_item_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE desk_items_item_id_seq OWNED BY desk_items.item_id;
CREATE TABLE desk_sessions (
    token_sha256 character varying NOT NULL,
    user_name character varying NOT NULL,
    csrf_token character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL
);
CREATE TABLE desk_users (
    name character varying NOT NULL,
    password_hash character varying NOT NULL,
    role character varying NOT NULL,
    teams text NOT NULL,
    active boolean NOT NULL,
    failed_sign_ins integer NOT NULL,
    locked_until timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_desk_users_role CHECK (((role)::text = ANY ((ARRAY['agent'::character varying, 'lead'::character varying, 'admin'::character varying])::text[])))
);
ALTER TABLE ONLY desk_alerts ALTER COLUMN id SET DEFAULT nextval('desk_alerts_id_seq'::regclass);
ALTER TABLE ONLY desk_audit ALTER COLUMN audit_id SET DEFAULT nextval('desk_audit_audit_id_seq'::regclass);
ALTER TABLE ONLY desk_events ALTER COLUMN event_id SET DEFAULT nextval('desk_events_event_id_seq'::regclass);
ALTER TABLE ONLY desk_items ALTER COLUMN item_id SET DEFAULT nextval('desk_items_item_id_seq'::regclass);
INSERT INTO desk_alerts VALUES (1, 'a1', '2026-11-24 08:00:00+00', '2026-11-24 07:00:00+00', 'Mentions spike: Kestrel Mobile / x / topic billing, Tue 24 Nov 07:00 UTC', '40 mentions against a usual 4', '{"baseline_mad": 1.0, "baseline_median": 4.0, "baseline_spread": 2.0, "baseline_weeks": 8, "brand": "Kestrel Mobile", "count": 40, "examples": [], "hour_start": "2026-11-24T07:00:00+00:00", "metric": "mentions", "score": 18.0, "source": "x", "threshold": 12.0, "top_clusters": [], "topic": "billing"}', NULL, NULL);
INSERT INTO desk_audit VALUES (1, '2026-11-24 08:00:00+00', NULL, 'user_added', 'lee', NULL, '{"role": "agent", "teams": ["care"]}');
INSERT INTO desk_audit VALUES (2, '2026-11-24 08:00:00+00', 'lee', 'signed_in', 'lee', '127.0.0.1', '{}');
INSERT INTO desk_events VALUES (1, 1, 'delivered', NULL, '2026-11-24 08:00:00+00', '{"priority": "high", "route": "contact_center", "team": "care"}');
INSERT INTO desk_events VALUES (2, 1, 'claimed', 'lee', '2026-11-24 08:00:00+00', '{"team": "care"}');
INSERT INTO desk_events VALUES (3, 1, 'replied', 'lee', '2026-11-24 08:00:00+00', '{"team": "care", "text": "Sorry Ana, we are looking at it"}');
INSERT INTO desk_items VALUES (1, 'x:1860000000000000001:desk', 'contact_center', 'care', 'high', '2026-11-24 12:00:00+00', 'claimed', 'lee', 'Bill doubled', 'My bill doubled this month', NULL, 'account-problem', 'account words: bill', '[{"author": "ana", "created_at": "2026-11-24T07:30:00+00:00", "influence_tier": "regular", "intent": "complaint", "language": "en", "sentiment": "negative", "source": "x", "source_id": "1860000000000000001", "text": "My bill doubled this month, can someone at Kestrel explain?", "url": "https://x.com/ana/status/1860000000000000001"}]', '[]', '2026-11-24 08:00:00+00', '2026-11-24 08:00:00+00', 'x', 'en', 'negative', 'complaint', 'regular');
INSERT INTO desk_sessions VALUES ('86a4dd1f4d6c87a50d730e389091cfb1980b8e522c18a6c374b6a04c9a07704e', 'lee', '4_HV5Ub0rnu5VEAYC1WzhsOanov7-R3GMds3acVoXuk', '2026-11-24 08:00:00+00', '2026-11-24 08:00:00+00');
INSERT INTO desk_users VALUES ('lee', 'scrypt$16384$8$1$d860af36d67a70dfa529071d8565b6f5$b1f346fc3f1d346d054e8dcd9045b2f1c5e55a8cd2390aff6ce60cc6972b7ece5fe720f58f7cbb92d1a8f8da89f94797b12404c1918ef798dda6b691b6466e90', 'agent', '["care"]', true, 0, NULL, '2026-11-24 08:00:00+00');
SELECT pg_catalog.setval('desk_alerts_id_seq', 1, true);
SELECT pg_catalog.setval('desk_audit_audit_id_seq', 2, true);
SELECT pg_catalog.setval('desk_events_event_id_seq', 3, true);
SELECT pg_catalog.setval('desk_items_item_id_seq', 1, true);
ALTER TABLE ONLY desk_alerts
    ADD CONSTRAINT desk_alerts_alert_id_key UNIQUE (alert_id);
ALTER TABLE ONLY desk_alerts
    ADD CONSTRAINT desk_alerts_pkey PRIMARY KEY (id);
ALTER TABLE ONLY desk_audit
    ADD CONSTRAINT desk_audit_pkey PRIMARY KEY (audit_id);
ALTER TABLE ONLY desk_events
    ADD CONSTRAINT desk_events_pkey PRIMARY KEY (event_id);
ALTER TABLE ONLY desk_items
    ADD CONSTRAINT desk_items_delivery_key_key UNIQUE (delivery_key);
ALTER TABLE ONLY desk_items
    ADD CONSTRAINT desk_items_pkey PRIMARY KEY (item_id);
ALTER TABLE ONLY desk_sessions
    ADD CONSTRAINT desk_sessions_pkey PRIMARY KEY (token_sha256);
ALTER TABLE ONLY desk_users
    ADD CONSTRAINT desk_users_pkey PRIMARY KEY (name);
CREATE INDEX ix_desk_alerts_hour_start ON desk_alerts USING btree (hour_start);
CREATE INDEX ix_desk_audit_at ON desk_audit USING btree (at);
CREATE INDEX ix_desk_events_at ON desk_events USING btree (at);
CREATE INDEX ix_desk_events_item_id ON desk_events USING btree (item_id);
CREATE INDEX ix_desk_items_cluster ON desk_items USING btree (cluster_id);
CREATE INDEX ix_desk_items_queue ON desk_items USING btree (team, status, sla_due_at, item_id);
CREATE INDEX ix_desk_items_sla_due_at ON desk_items USING btree (sla_due_at);
ALTER TABLE ONLY desk_events
    ADD CONSTRAINT desk_events_item_id_fkey FOREIGN KEY (item_id) REFERENCES desk_items(item_id);
ALTER TABLE ONLY desk_sessions
    ADD CONSTRAINT desk_sessions_user_name_fkey FOREIGN KEY (user_name) REFERENCES desk_users(name);
