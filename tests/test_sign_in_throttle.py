"""Sign-in throttling: every attempt is claimed before its password is checked, so parallel guesses cannot get
past the limit; the lock is per user name and client address (a stranger cannot lock the real user out from
elsewhere), with a limit per address across user names; a locked answer says nothing about the user."""

import threading

import pytest
from argon2 import PasswordHasher

from engine.errors import TooManyAttempts, Unauthorized
from engine.services import accounts

ATTACKER, HOME, OFFICE = "203.0.113.7", "198.51.100.20", "192.0.2.55"
GUESSES = 31


def token_call(client, username: str, password: str, address: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_parallel_guesses_get_at_most_the_limit_of_password_checks(sf, monkeypatch):
    checks, outcomes, lock = [], [], threading.Lock()

    class CountingHasher(PasswordHasher):
        def verify(self, hash_, password):
            with lock:
                checks.append(password)
            return super().verify(hash_, password)

    monkeypatch.setattr(accounts, "_hasher", CountingHasher())
    start = threading.Barrier(GUESSES)

    def guess(number: int):
        start.wait()
        try:
            accounts.sign_in(sf, "developer", f"guess-{number}", client_address=ATTACKER)
        except (Unauthorized, TooManyAttempts) as error:
            with lock:
                outcomes.append(type(error))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == accounts.THROTTLE_FAILURES
    assert outcomes.count(Unauthorized) == accounts.THROTTLE_FAILURES
    assert outcomes.count(TooManyAttempts) == GUESSES - accounts.THROTTLE_FAILURES
    with pytest.raises(TooManyAttempts):  # the right password too, from there: no check at all
        accounts.sign_in(sf, "developer", "demo", client_address=ATTACKER)
    assert len(checks) == accounts.THROTTLE_FAILURES


def test_the_real_user_signs_in_from_elsewhere_while_the_attackers_address_is_locked(desk):
    for _ in range(accounts.THROTTLE_FAILURES):
        assert token_call(desk.client, "developer", "wrong", ATTACKER).status_code == 401
    locked = token_call(desk.client, "developer", "demo", ATTACKER)
    assert locked.status_code == 429 and "try again in 15 minutes" in locked.get_json()["error"]
    assert token_call(desk.client, "developer", "demo", HOME).status_code == 200
    # the real user's success at home leaves the attacker's failures where they were
    assert token_call(desk.client, "developer", "demo", ATTACKER).status_code == 429
    desk.clock.advance(minutes=16)
    assert token_call(desk.client, "developer", "demo", ATTACKER).status_code == 200


def test_a_success_clears_only_that_user_and_address(desk):
    for _ in range(accounts.THROTTLE_FAILURES - 1):
        assert token_call(desk.client, "developer", "wrong", HOME).status_code == 401
        assert token_call(desk.client, "developer", "wrong", ATTACKER).status_code == 401
    assert token_call(desk.client, "developer", "demo", HOME).status_code == 200
    for _ in range(accounts.THROTTLE_FAILURES):  # at home the count starts again
        assert token_call(desk.client, "developer", "wrong", HOME).status_code == 401
    assert token_call(desk.client, "developer", "wrong", ATTACKER).status_code == 401  # the fifth there
    assert token_call(desk.client, "developer", "demo", ATTACKER).status_code == 429


def test_one_address_guessing_many_user_names_is_stopped(desk):
    names = [f"user{n}" for n in range(accounts.THROTTLE_ADDRESS_FAILURES - 3)] + ["support", "owner", "ops"]
    for name in names:
        assert token_call(desk.client, name, "wrong", ATTACKER).status_code == 401
    for name in ("someone-new", "developer"):
        locked = token_call(desk.client, name, "demo", ATTACKER)
        assert locked.status_code == 429 and "from your address" in locked.get_json()["error"]
    assert token_call(desk.client, "support", "demo", OFFICE).status_code == 200  # elsewhere, all is well


def test_a_locked_answer_never_says_whether_the_user_exists(desk):
    answers = {}
    for name in ("developer", "nobody-of-that-name"):
        for _ in range(accounts.THROTTLE_FAILURES):
            assert token_call(desk.client, name, "wrong", ATTACKER).status_code == 401
        locked = token_call(desk.client, name, "wrong", ATTACKER)
        answers[name] = (locked.status_code, locked.get_json())
    assert answers["developer"] == answers["nobody-of-that-name"]
    status, body = answers["developer"]
    assert status == 429 and body["error"].endswith("try again in 15 minutes.") and "developer" not in body["error"]


def test_an_ipv6_client_is_counted_by_its_64_bit_prefix(sf):
    for host in range(accounts.THROTTLE_FAILURES):
        with pytest.raises(Unauthorized):
            accounts.sign_in(sf, "developer", "wrong", client_address=f"2001:db8:1:2::{host + 1:x}")
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(sf, "developer", "demo", client_address="2001:db8:1:2:ffff::1")
    assert accounts.sign_in(sf, "developer", "demo", client_address="2001:db8:1:3::1")
    assert accounts.sign_in(sf, "developer", "demo", client_address="::ffff:192.0.2.1")  # IPv4, mapped


def test_the_sign_in_page_throttles_per_address_too(app):
    from tests.pages.helpers import csrf_of

    def attempt(client, password: str, address: str):
        return client.post("/sign-in", data={"username": "support", "password": password,
                                             "csrf_token": csrf_of(client)}, environ_base={"REMOTE_ADDR": address})

    attacker = app.test_client()
    for _ in range(accounts.THROTTLE_FAILURES):
        assert attempt(attacker, "wrong", ATTACKER).status_code == 401
    assert attempt(attacker, "demo", ATTACKER).status_code == 429
    assert attempt(app.test_client(), "demo", HOME).status_code == 302


def test_forwarded_addresses_count_only_behind_a_configured_proxy(sf):
    from webapp import create_app

    def locked_out(app, forwarded_for: str) -> bool:
        response = app.test_client().post("/api/v1/auth/token", json={"username": "owner", "password": "demo"},
                                          headers={"X-Forwarded-For": forwarded_for},
                                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
        return response.status_code == 429

    direct = create_app(sf, {"TESTING": True})
    for n in range(accounts.THROTTLE_FAILURES):  # a client sending X-Forwarded-For itself: it is not believed
        direct.test_client().post("/api/v1/auth/token", json={"username": "owner", "password": "wrong"},
                                  headers={"X-Forwarded-For": f"192.0.2.{n + 1}"})
    assert locked_out(direct, "192.0.2.99")
    proxied = create_app(sf, {"TESTING": True, "TRUSTED_PROXIES": 1})
    assert not locked_out(proxied, "192.0.2.99")  # the proxy said who the client is
    assert locked_out(proxied, "127.0.0.1")
