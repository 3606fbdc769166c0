"""The translation lint itself: a template's visible text outside a translation call fails, marked text passes;
a marked sentence without a German translation, or a translation no code asks for, fails."""

from babel.messages.catalog import Catalog

from webapp import i18n_check


def test_an_unmarked_word_in_a_template_is_reported_with_its_line():
    problems = i18n_check.untranslated_text("<p>\n  <strong>Hello</strong> {{ name }}</p>", "t.html")
    assert [(p.line, p.text) for p in problems] == [(2, "Hello")]


def test_marked_text_expressions_comments_and_names_pass():
    source = """{% extends "base.html" %}{# a comment with words #}
<h1 title="{{ _('Inbox') }}">{{ _('Inbox') }} · supportflow</h1>
{% trans %}Words in a trans block{% endtrans %}
<script>const words = "not for reading";</script>
{% set attrs %}id="x" aria-hidden="true"{% endset %}<p>{{ ngettext('%(num)d task', '%(num)d tasks', 2) }} — 3</p>"""
    assert i18n_check.untranslated_text(source) == []


def test_readable_attributes_are_checked_but_not_the_others():
    problems = i18n_check.untranslated_text(
        '<input class="narrow input" name="q" placeholder="Search here"><img alt="A logo" src="x.png">'
        '<input type="submit" value="Send"><input type="hidden" name="back" value="inbox">')
    assert [p.text for p in problems] == ["Search here", "A logo", "Send"]


def test_a_missing_or_empty_translation_fails_and_a_stale_one_too():
    catalog = Catalog(locale="de")
    catalog.add("Inbox", "Eingang")
    catalog.add("Board", "")
    catalog.add(("%(num)d task", "%(num)d tasks"), ("%(num)d Aufgabe", ""))
    catalog.add("Gone from the code", "Weg")
    messages = {"Inbox": "a.py:1", "Board": "a.py:2", "Claim": "a.html:3", ("%(num)d task", "%(num)d tasks"): "a:4"}
    problems = [p.text for p in i18n_check.catalogue_problems(messages, catalog, "de.po")]
    assert len(problems) == 4
    assert any("'Board'" in p for p in problems) and any("'Claim'" in p for p in problems)
    assert any("'%(num)d task'" in p for p in problems) and any("'Gone from the code'" in p for p in problems)
    complete = Catalog(locale="de")
    for msgid, msgstr in (("Inbox", "Eingang"), ("Board", "Board"), ("Claim", "Übernehmen"),
                          (("%(num)d task", "%(num)d tasks"), ("%(num)d Aufgabe", "%(num)d Aufgaben"))):
        complete.add(msgid, msgstr)
    assert list(i18n_check.catalogue_problems(messages, complete, "de.po")) == []


def test_the_shipped_templates_and_catalogue_pass():
    assert list(i18n_check.template_problems()) == []
    messages = i18n_check.extracted_messages()
    assert "Inbox" in messages and ("%(num)d step", "%(num)d steps") in messages
    for _path, catalog in i18n_check.catalogues():
        assert list(i18n_check.catalogue_problems(messages, catalog, "po")) == []


def test_a_sentence_in_page_or_service_code_must_be_marked():
    source = '''"""A module docstring with Words."""
from flask import flash
DONE = lazy("Your ticket is saved.")
GONE = "This task is no longer open."
FRIENDLIER = {"Missing data for required field.": lazy("Please fill this in.")}


def page():
    """A docstring, read by developers."""
    log.warning("Step failed: %s", "x")
    flash("Comment added.", "success")
    flash(_("Comment added."), "success")
    raise ValueError("Name either the instance or the ticket.")
    name = fields.String(metadata={"description": "Who holds the task"})
    return "inbox.index", "Not saved"
'''
    problems = i18n_check.untranslated_code(source, "p.py")
    assert [(p.line, p.text) for p in problems] == [(4, "This task is no longer open."), (11, "Comment added."),
                                                    (15, "Not saved")]


def test_the_code_people_read_holds_no_unmarked_sentence():
    assert list(i18n_check.code_problems()) == []
