"""Loading input with a marshmallow schema: a clear InvalidInput naming every bad field, or clean data."""

from marshmallow import Schema, ValidationError

from engine.errors import InvalidInput


def load_input(schema: Schema, data) -> dict:
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        raise InvalidInput(messages) from None
