"""Sentences several service modules say alike, in one place (each module keeps its own at its top). They are
templates: a caller fills the names in with str.format."""

NO_INSTANCE = "There is no instance {instance_id}."
NOT_DEPLOYED = "The process {process_id!r} is not deployed."
NO_VERSION = "There is no version {number} of the process {process_id!r}."
NOT_VARIABLE_NAMES = "Not a variable name: {names}."
TASK_NOT_OPEN = "This task is no longer open."
TASK_RACED = "This task changed at the same moment; reload and try again."
COMPLETED_MEANWHILE = "This task was completed by someone else meanwhile; your input was not saved."
