"""Sentences several service modules say alike, in one place (each module keeps its own at its top). They are
templates: a caller fills the names in with str.format, and each reads in the language current then."""

from engine.i18n import lazy

NO_INSTANCE = lazy("There is no instance {instance_id}.")
NOT_DEPLOYED = lazy("The process {process_id!r} is not deployed.")
NO_VERSION = lazy("There is no version {number} of the process {process_id!r}.")
NOT_VARIABLE_NAMES = lazy("Not a variable name: {names}.")
TASK_NOT_OPEN = lazy("This task is no longer open.")
TASK_RACED = lazy("This task changed at the same moment; reload and try again.")
COMPLETED_MEANWHILE = lazy("This task was completed by someone else meanwhile; your input was not saved.")
