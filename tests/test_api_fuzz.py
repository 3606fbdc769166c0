"""Bad input: schemathesis generates requests from /api/v1/openapi.json (valid and invalid bodies, odd path
and query values) for every operation and sends them to the app as a user holding every role; none may
answer 5xx. (Driven by hand with hypothesis: schemathesis' pytest plugin does not run on pytest 9.)"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from engine.domain import ROLES
from engine.services import accounts

EXAMPLES = 6  # per operation: enough to find overflows and bad bodies; more costs time on every run


def test_no_request_from_the_schema_gets_a_server_error(app, sf, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("once is enough: the API is the same on every backend")
    accounts.create_user(sf, "fuzz", "fuzz-password", list(ROLES), organisation="Acme", email="fuzz@acme.example")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    server_errors, operations = [], 0
    for result in schema.get_all_operations():
        operations += 1
        # A token per operation: DELETE /auth/token revokes the one it is sent with.
        headers = {"Authorization": f"Bearer {accounts.sign_in(sf, 'fuzz', 'fuzz-password')}"}
        _fuzz(result.ok(), headers, server_errors)
    assert operations >= 20
    assert server_errors == [], "\n".join(map(str, server_errors))


def _fuzz(operation, headers: dict, server_errors: list) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            server_errors.append((operation.label, case.formatted_path, case.query, case.body,
                                  response.status_code, response.text[:300]))

    call()
