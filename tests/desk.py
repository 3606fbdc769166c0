"""Drives supportflow through its JSON API the way the roles do, for the end-to-end tests."""

from engine.services import accounts, timers
from engine.store import history
from tests.helpers import SAMPLE_TICKET


class ApiError(AssertionError):
    pass


class Caller:
    """One signed-in user talking to /api/v1."""

    def __init__(self, client, username: str, password: str = "demo"):
        self.client = client
        self.username = username
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def call(self, method: str, path: str, expect: int = 200, **kwargs):
        response = self.client.open(f"/api/v1{path}", method=method, headers=self.headers, **kwargs)
        if response.status_code != expect:
            raise ApiError(f"{method} {path} as {self.username}: expected {expect}, "
                           f"got {response.status_code}: {response.get_data(as_text=True)[:2000]}")
        return response.get_json() if response.is_json else response.get_data(as_text=True)

    def get(self, path: str, expect: int = 200):
        return self.call("GET", path, expect)

    def post(self, path: str, json=None, expect: int = 200, **kwargs):
        return self.call("POST", path, expect, json=json, **kwargs)


class Desk:
    """The support desk seen from outside: submit, find tasks, complete them, move time."""

    def __init__(self, client, sf, clock):
        self.client, self.sf, self.clock = client, sf, clock
        self._callers: dict[str, Caller] = {}
        self.cold = False  # drop live workflows before every step: every step then loads from the database

    def as_(self, username: str) -> Caller:
        if username not in self._callers:
            self._callers[username] = Caller(self.client, username)
        return self._callers[username]

    def submit(self, as_: str = "customer", expect: int = 201, **fields) -> dict:
        body = {**SAMPLE_TICKET, **fields}
        return self.as_(as_).post("/tickets", body, expect=expect)

    def user(self, username: str, roles: list[str], display_name: str, organisation: str | None = None) -> None:
        """A user beside the demo ones (password "demo"), unless an earlier test on the same database made it:
        PostgreSQL keeps users between tests."""
        if not accounts.user_exists(self.sf, username):
            accounts.create_user(self.sf, username, "demo", roles, display_name=display_name,
                                 organisation=organisation)

    def ticket(self, key: str, as_: str = "support") -> dict:
        return self.as_(as_).get(f"/tickets/{key}")

    def task(self, key: str, element: str, as_: str) -> dict:
        """The open task `element` of ticket `key` in the inbox of `as_` (fails if it is not there)."""
        found = [t for t in self.as_(as_).get("/tasks") if t["ticket_key"] == key and t["task"] == element]
        if len(found) != 1:
            open_tasks = [t["task"] for t in self.ticket(key)["open_tasks"]]
            raise AssertionError(f"{element} of {key} not once in {as_}'s inbox; open tasks: {open_tasks}")
        return found[0]

    def complete(self, key: str, element: str, as_: str, expect: int = 200, **data) -> dict:
        task = self.task(key, element, as_)
        if self.cold:
            self.sf.workflows.clear()
        return self.as_(as_).post(f"/tasks/{task['id']}/complete", {"data": data}, expect=expect)

    def open_tasks(self, key: str) -> list[str]:
        return sorted(t["task"] for t in self.ticket(key)["open_tasks"])

    def status(self, key: str) -> tuple[str, str | None]:
        ticket = self.ticket(key)
        return ticket["status"], ticket["resolution"]

    def later(self, **delta) -> list:
        """Move the clock and fire whatever timers are due then (as `timers run-due --at` does)."""
        at = self.clock.advance(**delta)
        self._callers.clear()  # tokens live 12 hours: everyone signs in again
        return timers.run_due(self.sf, at)

    def advance(self, **delta) -> None:
        """Move the clock without firing the timers due (as before the worker's next round)."""
        self.clock.advance(**delta)
        self._callers.clear()  # tokens live 12 hours: everyone signs in again

    def messages(self, key: str) -> list[dict]:
        with self.sf.db.read() as conn:
            return history.messages_of_ticket(conn, int(key.split("-")[1]))

    def outbox(self, key: str) -> list[str]:
        return [m["template"] for m in self.messages(key)]
