"""What a new password must be: long enough, not the user's name, not one of the passwords every guessing list
starts with. Argon2 makes each guess slow; this keeps the first guesses from being right."""

from engine.i18n import lazy

MIN_LENGTH = 10
MAX_LENGTH = 1000
MIN_DISTINCT_CHARACTERS = 4  # "1111111111", "1212121212", "abcabcabca" fall to the first guesses
MIN_NAME_INSIDE = 4  # a shorter user name ("ops") is part of too many good passwords to refuse them for it

TOO_SHORT = lazy("The new password must have at least {min_length} characters.")
TOO_LONG = lazy("The new password may have at most {max_length} characters.")
HOLDS_USERNAME = lazy("The new password must not contain your user name.")
TOO_COMMON = lazy("This password is one of the most common ones, or too simple; choose another.")

# The commonest passwords of ten characters or more, from the published lists of leaked passwords, and a few this
# product invites; shorter ones are refused by their length already. Compared case-folded.
_COMMON = """
0123456789 0987654321 1234567890 1234567891 12345678910 1234567899 9876543210 123456789a 123456789q a123456789
a1234567890 1234567890a 1234512345 123456654321 1234554321 1122334455 1357924680 123456789abc abc1234567
abcd123456 abcdef1234 abcdefghij aa12345678 qwertyuiop qwertyuiop123 qwerty1234 qwerty12345 qwerty123456
qwerty123! 1234qwerty 12345qwert 123456qwerty qwert12345 qwer123456 asdfghjkl1 asdfghjkl; zxcvbnm123
azertyuiop 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u 1q2w3e4r5t6y7u8i q1w2e3r4t5 q1w2e3r4t5y6 1qaz2wsx3edc
1qazxsw23edc zaq12wsxcde3 zaq1xsw2cde3 qazwsxedc123 qazwsxedcrfv qweasdzxc123 123qweasdzxc password12
password123 password1234 password12345 password123! password!1 passwordpassword passw0rd12 p@ssw0rd12
p@ssword123 pa55word123 mypassword mypassword1 iloveyou12 iloveyou123 iloveyou1234 letmein123 welcome123
welcome1234 changeme123 administrator admin12345 admin123456 administrator1 superman123 football123
baseball123 basketball basketball1 princess123 sunshine123 starwars123 dragon1234 monkey1234 michael123
jordan2323 trustno1234 whatever123 computer123 internet123 samsung123 liverpool1 chelsea123 arsenal123
manchester manchester1 sunflower1 butterfly1 pokemon123 minecraft1 minecraft123 spiderman1 spiderman123
batman1234 chocolate1 chocolate123 strawberry watermelon blink18218 myspace123 facebook123 linkedin123
google1234 youtube123 elizabeth1 christopher jessica123 charlie123 michelle123 alexander1 qwertyqwerty
passwort12 passwort123 passwort1234 hallo12345 hallo123456 sonnenschein schatz1234 fussball12 fussball123
supportflow supportflow1 supportflow123 support123 support1234 helpdesk123 servicedesk
"""
COMMON_PASSWORDS = frozenset(_COMMON.split())


def password_problem(password: str, username: str) -> str | None:
    """The sentence saying what is wrong with `password` as a new password for `username`, or None."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT.format(min_length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return TOO_LONG.format(max_length=MAX_LENGTH)
    folded, name = password.casefold(), username.strip().casefold()
    if folded == name or (len(name) >= MIN_NAME_INSIDE and name in folded):
        return str(HOLDS_USERNAME)
    if folded in COMMON_PASSWORDS or len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        return str(TOO_COMMON)
    return None
