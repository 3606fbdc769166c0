"""Form patterns (`validate.pattern`): RE2 syntax, matched in linear time, against the whole value.

Semantics, the same on the server and on the task page (which checks with re2js, RE2's JavaScript port):
- the whole (stripped) value must match, as with HTML's `pattern` attribute: "[A-Z]+" refuses "AB1";
  anchors ^ and $ may be written and change nothing;
- RE2 syntax: no back-references or look-arounds; a part may repeat at most 1,000 times ({n,m} with
  n, m <= 1,000). RE2 itself reads a count too large to parse as plain text while re2js refuses it, so
  such counts are refused here before RE2 sees them;
- a blank value is "not given" and is never matched (see engine.forms).
A pattern that breaks these rules is refused when the form is deployed, with a sentence naming the field."""

import functools
import re

import re2

from engine.i18n import _

__all__ = ["MAX_REPEAT", "matches", "pattern_problem"]

MAX_REPEAT = 1_000
# Outside a character class: an escape (\Q...\E quotes literally), a class, or a counted repetition.
_PIECE = re.compile(r"\\Q.*?(?:\\E|\Z)|\\.|\[\^?\]?(?:\[:[a-z]+:\]|\\.|[^\]\\])*\]?|\{(\d+)(?:,(\d*))?\}", re.S)


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern to stderr
    return options


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> "re2._Regexp":
    return re2.compile(pattern, _options())


def _largest_count(pattern: str) -> str | None:
    """The largest repetition count written in the pattern, as written (it may be too long for an int)."""
    counts = [number.lstrip("0") or "0" for piece in _PIECE.finditer(pattern) for number in piece.groups() if number]
    return max(counts, key=lambda number: (len(number), number), default=None)


def pattern_problem(pattern: object) -> str | None:
    """Why this pattern cannot be used (the end of a sentence that names its field first), or None."""
    if not isinstance(pattern, str):
        return _("the pattern must be text.")
    count = _largest_count(pattern)
    if count is not None and (len(count) > 4 or int(count) > MAX_REPEAT):
        return _("the pattern {pattern!r} repeats a part {count} times; the most a pattern may repeat is 1,000 "
                 "times.").format(pattern=pattern, count=count)
    try:
        _compiled(pattern)
    except re2.error as error:
        reason = error.args[0].decode("utf-8", "replace") if error.args and isinstance(error.args[0], bytes) \
            else str(error)
        return _("the pattern {pattern!r} is not a regular expression supportflow can check: {reason}. "
                 "Patterns use RE2 syntax, without back-references or look-arounds.").format(pattern=pattern,
                                                                                            reason=reason)
    return None


def matches(pattern: str, value: str) -> bool:
    """Whether the whole value matches (the pattern passed `pattern_problem` when it was deployed)."""
    return _compiled(pattern).fullmatch(value) is not None
