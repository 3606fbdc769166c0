"""The settings are read once from the environment into one record, each bad value is refused with a sentence
naming its variable, and the README's table lists the same variables with the same defaults."""

import re
from dataclasses import fields
from pathlib import Path

import pytest

from engine.settings import SettingError, Settings, documented

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_table() -> list[tuple[str, str]]:
    section = README.read_text().split("## Settings\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \| ([^|]+?) \|", section, flags=re.MULTILINE)


def test_the_readme_table_lists_every_setting_with_its_default():
    assert readme_table() == [(variable, default) for variable, default, _ in documented()]
    assert len(documented()) == len(fields(Settings)) > 20


def test_an_empty_environment_gives_the_defaults():
    assert Settings.from_environment({}) == Settings()
    assert Settings.from_environment({"PORT": "", "SUPPORTFLOW_EVALUATORS": "  "}) == Settings()


def test_each_value_is_read_as_its_type():
    settings = Settings.from_environment({
        "PORT": " 8080 ", "SUPPORTFLOW_HEARTBEAT_MAX_AGE": "2.5", "SUPPORTFLOW_SMTP_SSL": "Yes",
        "SUPPORTFLOW_SMTP_STARTTLS": "off", "SUPPORTFLOW_SMTP_PASSWORD": " spaced ", "HOST": "0.0.0.0"})
    assert (settings.port, settings.heartbeat_max_age_s, settings.smtp_ssl, settings.smtp_starttls) == (
        8080, 2.5, True, False)
    assert settings.smtp_password == " spaced " and settings.host == "0.0.0.0"


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SUPPORTFLOW_EVALUATORS", "x", "SUPPORTFLOW_EVALUATORS must be a whole number from 1 to 64, not 'x'."),
    ("SUPPORTFLOW_EVALUATORS", "0", "SUPPORTFLOW_EVALUATORS must be a whole number from 1 to 64, not '0'."),
    ("SUPPORTFLOW_SCRIPT_MEMORY_MB", "-5", "SUPPORTFLOW_SCRIPT_MEMORY_MB must be a whole number from 32 to 1048576, "
                                           "not '-5'."),
    ("PORT", "99999", "PORT must be a whole number from 1 to 65535, not '99999'."),
    ("WEB_CONCURRENCY", "two", "WEB_CONCURRENCY must be a whole number from 1 to 256, not 'two'."),
    ("SUPPORTFLOW_TRUSTED_PROXIES", "1.5", "SUPPORTFLOW_TRUSTED_PROXIES must be a whole number from 0 to 16, "
                                           "not '1.5'."),
    ("SUPPORTFLOW_HEARTBEAT_MAX_AGE", "soon", "SUPPORTFLOW_HEARTBEAT_MAX_AGE must be a number of seconds such as "
                                              "60 or 2.5, not 'soon'."),
    ("SUPPORTFLOW_HEARTBEAT_MAX_AGE", "-1", "SUPPORTFLOW_HEARTBEAT_MAX_AGE must be a number of seconds above 0, "
                                            "not '-1'."),
    ("SUPPORTFLOW_HEARTBEAT_MAX_AGE", "nan", "SUPPORTFLOW_HEARTBEAT_MAX_AGE must be a number of seconds above 0, "
                                             "not 'nan'."),
    ("SUPPORTFLOW_SMTP_SSL", "maybe", "SUPPORTFLOW_SMTP_SSL must be one of 1, true, yes, on, 0, false, no, off, "
                                      "not 'maybe'."),
])
def test_a_bad_value_is_refused_with_a_sentence_naming_the_variable(variable, value, message):
    with pytest.raises(SettingError) as refused:
        Settings.from_environment({variable: value})
    assert str(refused.value) == message


def test_secrets_stay_out_of_the_record_as_text():
    settings = Settings.from_environment({"SECRET_KEY": "k-e-y", "SUPPORTFLOW_SMTP_PASSWORD": "p-a-s-s"})
    assert settings.secret_key == "k-e-y" and "k-e-y" not in repr(settings) and "p-a-s-s" not in repr(settings)


def test_without_database_url_the_database_is_sqlite_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings().database == f"sqlite:///{tmp_path / 'var' / 'supportflow.db'}"
    assert Settings(database_url="postgresql+psycopg://u@h/db").database == "postgresql+psycopg://u@h/db"
