"""Settings: YAML says what to watch, the environment overrides, errors say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from carewire.core.errors import ConfigError
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.core.types import Lake


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "carewire.yaml"
    path.write_text(text)
    return path


def test_example_config_loads_and_resolves_the_replay_folder():
    settings = load_settings(SAMPLE_CONFIG)
    assert settings.brands[0].name == "Kestrel Mobile"
    assert [f.name for f in settings.sources.feeds][:2] == ["google-alerts", "phonebeat"]
    assert settings.http.replay_dir == (SAMPLE_CONFIG.parent / "cassettes").resolve()
    assert settings.warehouse == Path("data/warehouse.duckdb")
    assert settings.snapshot == Path("data/analytics.duckdb")


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, "data_dir: /from/file\nhttp:\n  timeout_s: 30\n  max_retries: 2\n")
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("CAREWIRE_HTTP__TIMEOUT_S", "5")
    settings = load_settings(path)
    assert settings.warehouse == tmp_path / "env" / "warehouse.duckdb"
    assert settings.http.timeout_s == 5
    assert settings.http.max_retries == 2  # untouched by the environment


def test_config_file_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(write(tmp_path, "schedule: '*/15 * * * *'\n")))
    assert load_settings().schedule == "*/15 * * * *"


def test_a_source_polls_on_its_own_cron_and_the_others_on_schedule(tmp_path, monkeypatch):
    path = write(tmp_path, "schedule: '0 * * * *'\nschedules:\n  x: '*/2 * * * *'\n"
                           "  feeds: '*/15 * * * *'\n")
    monkeypatch.setenv("CAREWIRE_SCHEDULES__REDDIT", "* * * * *")  # as ops would set it
    settings = load_settings(path)
    assert [settings.schedule_of(s) for s in ("x", "reddit", "feeds", "forums")] == [
        "*/2 * * * *", "* * * * *", "*/15 * * * *", "0 * * * *"]


@pytest.mark.parametrize("text, says", [
    ("schedules:\n  twitter: '*/2 * * * *'\n", "schedules names twitter, which is not a source"),
    ("schedules:\n  x: '*/2 * * *'\n", "schedules.x '*/2 * * *' is not a five-field cron"),
    ("schedules:\n  x: '*/2 * * * * *'\n", "is not a five-field cron"),
    ("schedules:\n  reddit: '61 * * * *'\n", "schedules.reddit '61 * * * *' is not a cron"),
    ("schedule: '@once'\n", "schedule '@once' is not a cron"),
    ("publish:\n  schedule: '*/15 * * *'\n", "publish.schedule '*/15 * * *' is not a five-field"),
])
def test_a_cadence_that_is_not_a_cron_of_a_source_is_refused_when_read(tmp_path, text, says):
    with pytest.raises(ConfigError, match="is invalid") as refused:
        load_settings(write(tmp_path, text))
    assert says in str(refused.value)


def test_every_problem_is_listed_with_its_place(tmp_path):
    path = write(tmp_path, "sources:\n  feeds:\n    - name: Bad Name\n      url: x\n"
                           "    - name: ok\nhttp:\n  max_retries: 99\nsecret_token: abc\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "sources.feeds.0.name: String should match pattern" in message
    assert "sources.feeds.1.url: Field required" in message
    assert "http.max_retries: Input should be less than or equal to 10" in message
    assert "secret_token: Extra inputs are not permitted" in message


def test_duplicate_stream_names_are_refused(tmp_path):
    path = write(tmp_path, "sources:\n  feeds:\n    - {name: a, url: 'https://a'}\n"
                           "    - {name: a, url: 'https://b'}\n")
    with pytest.raises(ConfigError, match="feed names must be unique, repeated: a"):
        load_settings(path)


def test_a_named_config_that_is_missing_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(tmp_path / "typo.yaml"))
    with pytest.raises(ConfigError, match="typo.yaml not found. Copy the example .* to "
                                          "./carewire.yaml"):
        load_settings()


def test_without_any_config_the_bundled_example_is_used_and_said(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAREWIRE_CONFIG", raising=False)
    settings = load_settings()
    assert settings.brands[0].name == "Kestrel Mobile"
    assert "using the bundled example config" in caplog.text


def test_invalid_yaml_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path, "sources: [unclosed\n"))


def test_a_classic_forum_under_forums_says_where_it_belongs(tmp_path):
    path = write(tmp_path, "sources:\n  forums:\n"
                           "    - {name: board, kind: rss, url: 'https://board.test/feed'}\n")
    with pytest.raises(ConfigError, match="sources.forums.0.kind: .*under sources.feeds with "
                                          "kind: forum"):
        load_settings(path)


def test_paths_in_the_file_are_relative_to_the_file_and_from_the_environment_to_the_cwd(
        tmp_path, monkeypatch):
    folder = tmp_path / "deploy"
    folder.mkdir()
    path = folder / "carewire.yaml"
    path.write_text("data_dir: state\nrouting:\n  policy: policy.yaml\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(path)
    assert settings.warehouse == folder / "state" / "warehouse.duckdb"
    assert settings.routing.policy == folder / "policy.yaml"

    monkeypatch.setenv("CAREWIRE_DATA_DIR", "elsewhere")
    assert load_settings(path).data_dir == Path("elsewhere")


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="must hold a mapping at the top level, found list"):
        load_settings(write(tmp_path, "- brands\n- sources\n"))


def test_a_misspelt_key_in_any_section_is_refused_with_the_key_meant(tmp_path):
    path = write(tmp_path, "sources:\n  reddit:\n    subreddit: [KestrelMobile]\n"
                           "  feeds:\n    - {name: a, url: 'https://a', knd: blog}\n"
                           "http:\n  timout_s: 3\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert ("sources.reddit.subreddit: Extra inputs are not permitted (did you mean "
            "'subreddits'?)") in message
    assert "sources.feeds.0.knd: Extra inputs are not permitted (did you mean 'kind'?)" in message
    assert "http.timout_s: Extra inputs are not permitted (did you mean 'timeout_s'?)" in message


def test_business_hours_per_team_and_24_7_for_the_others(tmp_path):
    path = write(tmp_path, "routing:\n  business_hours:\n    care:\n"
                           "      timezone: Europe/Berlin\n"
                           "      hours: {mon-fri: 08:00-20:00, sat: [10:00-12:00, 13:00-16:00]}\n"
                           "      holidays: [2025-12-25, 2025-12-26]\n")
    routing = load_settings(path).routing
    care = routing.clock_for("care")
    assert care.describe() == ("business hours, Europe/Berlin, mon-fri 08:00-20:00, "
                               "sat 10:00-12:00 and 13:00-16:00, 2 holidays")
    assert routing.clock_for("community") is None and routing.clock_for(None) is None


@pytest.mark.parametrize(("hours", "says"), [
    ("{timezone: Europe/Berln, hours: {mon-fri: 08:00-20:00}}",
     "routing.business_hours.care: Value error, time zone 'Europe/Berln' is not an IANA "
     "time zone name"),
    ("{timezone: Europe/Berlin, hours: {mon-fri: 08:00-20:00, fri: 19:00-22:00}}",
     "routing.business_hours.care: Value error, hours on fri overlap: 08:00-20:00 and "
     "19:00-22:00"),
    ("{timezone: Europe/Berlin, hours: {mon-fri: 08:00-8pm}}",
     "routing.business_hours.care: Value error, hours 'mon-fri': '08:00-8pm' is not an "
     "interval"),
    ("{timezone: Europe/Berlin, hours: {weekdays: 08:00-20:00}}",
     "routing.business_hours.care: Value error, hours key 'weekdays' is not a day"),
    ("{timezone: Europe/Berlin, hours: {mon: 08:00-20:00}, holidays: [christmas]}",
     "routing.business_hours.care.holidays.0: Input should be a valid date"),
    ("{timezone: Europe/Berlin, hourz: {mon: 08:00-20:00}}",
     "routing.business_hours.care.hourz: Extra inputs are not permitted (did you mean "
     "'hours'?)"),
])
def test_bad_business_hours_name_the_team_and_the_value(tmp_path, hours, says):
    path = write(tmp_path, f"routing:\n  business_hours:\n    care: {hours}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert says in str(info.value)


def test_a_ducklake_url_makes_the_warehouse_a_lake_with_its_files_under_data(tmp_path):
    settings = load_settings(write(tmp_path, "warehouse_url: 'ducklake:postgres:dbname=lake "
                                             "host=db user=cw password=s3cret'\n"))
    assert settings.warehouse == Lake("postgres:dbname=lake host=db user=cw password=s3cret",
                                      f"{Path('data').absolute() / 'lake'}/")
    assert "s3cret" not in str(settings.warehouse)


@pytest.mark.parametrize("text, says", [
    ("warehouse_url: 'postgres:dbname=lake'\n", "is not a DuckLake catalog"),
    ("warehouse_url: 'ducklake:metadata.ducklake'\n", "catalog in PostgreSQL"),
    ("snapshot_path: a.duckdb\nwarehouse_url: 'ducklake:postgres:dbname=lake'\n",
     "publishes a snapshot of itself"),
    ("warehouse_data_path: /srv/lake/\n", "warehouse_data_path is for a DuckLake"),
    ("warehouse_path: w.duckdb\nwarehouse_url: 'ducklake:postgres:dbname=lake'\n",
     "name two warehouses"),
])
def test_a_warehouse_setting_that_cannot_hold_is_refused(tmp_path, text, says):
    with pytest.raises(ConfigError, match=says):
        load_settings(write(tmp_path, text))


def test_the_landing_zone_and_the_ingest_state_default_to_the_data_dir(tmp_path):
    settings = load_settings(write(tmp_path, "data_dir: data\n"))
    assert settings.landing == tmp_path / "data" / "landing"
    assert settings.ingest_state_url == f"sqlite:///{tmp_path / 'data' / 'state.sqlite'}"
    assert (settings.fetching.state_url, settings.fetching.state_files) == (
        settings.ingest_state_url, settings.landing)


def test_an_object_store_landing_zone_is_a_url_with_its_options_from_the_environment(
        tmp_path, monkeypatch):
    monkeypatch.setenv("CAREWIRE_LANDING_URL", "s3://care-bucket/landing")
    monkeypatch.setenv("CAREWIRE_LANDING_STORAGE_OPTIONS",
                       '{"endpoint_url": "http://minio:9000"}')
    monkeypatch.setenv("CAREWIRE_STATE_URL", "postgresql+psycopg://cw@db/carewire")
    settings = load_settings(write(tmp_path, "data_dir: data\n"))
    assert settings.landing == "s3://care-bucket/landing"
    assert settings.landing_storage_options == {"endpoint_url": "http://minio:9000"}
    assert settings.fetching.state_url == "postgresql+psycopg://cw@db/carewire"
    assert settings.fetching.state_files is None  # nothing local to carry over


@pytest.mark.parametrize("text, says", [
    ("landing_url: 's3://b/landing'\n", "set state_url to a database they all reach"),
    ("landing_url: 's3://AKIA:s3cret@b/landing'\nstate_url: 'sqlite:///s.sqlite'\n",
     "landing_url holds credentials"),
    ("landing_url: 'file:///srv/landing'\nstate_url: 'sqlite:///s.sqlite'\n",
     "a local folder is landing_dir"),
    ("landing_url: '/srv/landing'\nstate_url: 'sqlite:///s.sqlite'\n",
     "a local folder is landing_dir"),
    ("landing_dir: l\nlanding_url: 's3://b/l'\nstate_url: 'sqlite:///s.sqlite'\n",
     "name two landing zones"),
    ("landing_storage_options: {endpoint_url: 'http://minio:9000'}\n",
     "landing_storage_options are for an object-store"),
])
def test_a_landing_setting_that_cannot_hold_is_refused(tmp_path, text, says):
    with pytest.raises(ConfigError, match=says) as refused:
        load_settings(write(tmp_path, text))
    assert "s3cret" not in str(refused.value)
