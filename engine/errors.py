"""One exception tree for the whole engine; webapp maps each class to an HTTP status in one place. A message is
read when the answer is written (`str(err)`), in the reader's language."""

from engine.i18n import is_lazy, lazy


class SupportflowError(Exception):
    """Root of every error the engine raises on purpose. The message is a sentence for users."""


class Unauthorized(SupportflowError):
    """No valid credentials."""


class TooManyAttempts(SupportflowError):
    """Sign-in refused for a while after repeated failures."""


class NotFound(SupportflowError):
    """The thing does not exist, or the caller may not know that it exists."""


class Gone(SupportflowError):
    """The thing existed but is no more to be had (a single-use link used or expired)."""


class Forbidden(SupportflowError):
    """The caller sees the thing but its roles do not allow the action."""


class Conflict(SupportflowError):
    """The state moved on meanwhile (task already completed, instance suspended, version changed)."""


class InvalidInput(SupportflowError):
    """Submitted data does not fit its form or schema; `errors` maps field -> [messages]."""

    def __init__(self, errors: dict[str, list[str]], message: str = lazy("The submitted data is not valid.")):
        super().__init__(message)
        self.errors = _plain(errors)


class InvalidDefinition(SupportflowError):
    """A BPMN file or form cannot be deployed; `errors` lists {element, message} problems."""

    def __init__(self, errors: list[dict], message: str = lazy("The process definition is not valid.")):
        super().__init__(message)
        self.errors = _plain(errors)


class ScriptError(SupportflowError):
    """A script or condition was refused by the sandbox, failed, or ran too long."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class ScriptTimeout(ScriptError):
    """A script or condition ran past its time limit and was stopped."""


class StepFailed(SupportflowError):
    """A workflow step raised; nothing was saved and the error is recorded on the instance."""

    def __init__(self, message: str, *, element: str | None = None, line: int | None = None):
        super().__init__(message)
        self.element = element
        self.line = line


class TaskHeld(Conflict):
    """The task is held (claimed or assigned) by someone else; `assignee` is their user name."""

    def __init__(self, message: str, assignee: str):
        super().__init__(message)
        self.assignee = assignee


def _plain(value):
    """Errors as plain text, read now in the language of whoever is answered (a lazy sentence is read here)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value) if is_lazy(value) else value
