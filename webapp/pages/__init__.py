"""The web pages: server-rendered, one blueprint per area. Signed in by a session cookie that holds the
user's token; every form carries a CSRF token; the JSON API keeps its bearer tokens.

Routes and endpoints (the contract between the blueprints, the templates and the browser tests):
  session (signin.py): /sign-in (sign_in), /sign-out (sign_out, POST), / (home: portal, processes, instances or inbox)
  account: /account/password (password: GET, POST), /account/notifications (notifications: GET, POST)
  password_links: /password/reset (forgot: GET, POST), /password/reset/<token> (choose: GET, POST; invitations too)
  admin:   /admin (index), /admin/organisations (organisations_list), /admin/organisations/new (new_organisation),
           /admin/organisations/<id:organisation_id> (organisation), /admin/users (users_list), /admin/users/new
           (new_user), /admin/users/<username> (user), .../invitation (resend, POST), /admin/events (events)
  notifications: /notifications (index), /notifications/<id:notification_id> (show: marks it read, goes to it),
           /notifications/read (read_all, POST)
  inbox:   /inbox (index), /inbox/tasks/<task_id>/claim (claim, POST), .../unclaim (unclaim, POST)
  tasks:   /tasks/<task_id> (show: the form; complete: POST)
  tickets: /tickets/<key> (show), /tickets/<key>/comments (comment, POST),
           /tickets/<key>/attachments (attach, POST), /tickets/<key>/attachments/<id:attachment_id> (attachment),
           /tickets/<key>/change (change, POST; ticket:change)
  ticket_list: /tickets (index; staff), /tickets.csv (export), /tickets/views (save_view, POST),
           /tickets/views/<id:view_id>/delete (delete_view, POST), /tickets/bulk (bulk, POST)
  portal:  /portal (index), /portal/new (new: GET, POST), /capture (capture: GET, POST; support masters)
  board:   /board (index; developers)
  replies: /replies (index), /replies/new (new: GET, POST), /replies/<id:reply_id> (edit: GET, POST),
           /replies/<id:reply_id>/delete (delete, POST); staff
  mail_templates: /mail-templates (index), /mail-templates/<name>/<language> (edit: GET, POST: save or preview),
           /mail-templates/<name>/<language>/reset (reset, POST); process owners and admins
  search:  /search (index: ranked results of ?q=; a query that is one visible ticket's key goes to it)
  processes: /processes (index), /processes/<process_id>/versions/<version:number>/edit (edit: the modeler),
           /processes/<process_id>/diff (diff), /processes/<process_id>/migrate (migrate: GET, POST)
  ops:     /ops/instances (instances; bulk: POST), /ops/instances/<id:instance_id> (instance) and its actions,
           /ops/errors (errors), /ops/processes/<process_id>/versions/<version:number>/heatmap (heatmap)
"""

import secrets
from functools import wraps

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from markupsafe import Markup

from engine import domain
from engine.amounts import hours_text
from engine.errors import Unauthorized
from engine.i18n import lazy
from engine.markdown import markdown_html
from engine.services import accounts
from webapp.i18n import choose_language
from webapp.wiring import supportflow

FORM_EXPIRED = lazy("This form expired or did not come from this site; reload the page and try again.")
PLEASE_SIGN_IN = lazy("Please sign in.")

# The fields of a ticket as its timeline names their changes, the channels, and ops' repairs (verbs).
FIELD_TEXT = {"status": lazy("status"), "resolution": lazy("resolution"), "priority": lazy("priority"),
              "category": lazy("category"), "system": lazy("system"), "labels": lazy("labels"),
              "links": lazy("related tickets"),
              "title": lazy("title"), "description": lazy("description"), "organisation": lazy("organisation")}
CHANNEL_TEXT = {"portal": lazy("portal"), "phone": lazy("phone"), "email": lazy("e-mail"), "api": lazy("API")}
# A link between two tickets, read from the ticket that holds it ("duplicate of SUP-1", "merged into SUP-1").
LINK_TEXT = {"duplicate_of": lazy("duplicate of"), "merged_into": lazy("merged into"),
             "merged_from": lazy("merged from"), "relates_to": lazy("related to")}
ACTION_TEXT = {"suspend": lazy("Suspend"), "resume": lazy("Resume"), "retry": lazy("Retry"),
               "terminate": lazy("Terminate")}
# What became of an incoming mail, and how it came (the ops console's mail page).
MAIL_OUTCOME_TEXT = {"accepted": lazy("Accepted"), "ignored": lazy("Ignored"), "refused": lazy("Refused")}
MAIL_SOURCE_TEXT = {"pipe": lazy("mail pipe"), "imap": lazy("mailbox (IMAP)")}
VOCABULARIES = {"priority": domain.PRIORITY_TEXT, "category": domain.CATEGORY_TEXT, "role": domain.ROLE_TEXT,
                "status": domain.STATUS_TEXT, "customer_status": domain.CUSTOMER_STATUS_TEXT,
                "instance_status": domain.INSTANCE_STATUS_TEXT, "field": FIELD_TEXT, "channel": CHANNEL_TEXT,
                "action": ACTION_TEXT, "link": LINK_TEXT, "mail_outcome": MAIL_OUTCOME_TEXT,
                "mail_source": MAIL_SOURCE_TEXT}


def vocab(value: str | None, vocabulary: str) -> str:
    """`{{ ticket.priority|vocab('priority') }}`: a value of the vocabulary in the reader's words."""
    return domain.word(VOCABULARIES[vocabulary], value)


def choices(values, vocabulary: str, capitalize: bool = False) -> list[tuple[str, str]]:
    """`{{ priorities|choices('priority') }}`: (value, the reader's words) for a filter's options; `capitalize`
    for words written in lower case (categories) that stand alone in a list of options."""
    return [(value, vocab(value, vocabulary).capitalize() if capitalize else vocab(value, vocabulary))
            for value in values]

CSRF_FIELD = "csrf_token"
READ_ONLY_METHODS = ("GET", "OPTIONS")


def csrf_token() -> str:
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def load_actor() -> None:
    """g.actor: the signed-in user, or None (an expired token signs the user out)."""
    g.actor = None
    token = session.get("token")
    if token:
        try:
            g.actor = accounts.actor_for_token(supportflow(), token)
        except Unauthorized:
            session.pop("token", None)
    choose_language()  # the person's own language, now that they are known


def csrf_matches(sent: str | None) -> bool:
    """Whether `sent` is this session's CSRF token. Compared as bytes: compare_digest refuses a str that is not
    ASCII, and what a client sends may be anything."""
    expected = session.get(CSRF_FIELD, "")
    return bool(sent and expected and secrets.compare_digest(sent.encode("utf-8", "surrogatepass"),
                                                             expected.encode("utf-8")))


def check_csrf() -> None:
    """Only GET reads (HEAD became GET in webapp.hardening; OPTIONS is answered by Flask without a view): every
    other method, known or not, must carry the session's CSRF token."""
    if request.method in READ_ONLY_METHODS:
        return
    if not csrf_matches(request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token")):
        abort(400, str(FORM_EXPIRED))


def signed_in(view):
    """The page needs a signed-in user; others go to the sign-in page and come back after."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.actor is None:
            flash(str(PLEASE_SIGN_IN), "info")
            return redirect(url_for("session.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def _page_request_hooks() -> None:
    # The JSON API authenticates by bearer token and static files (the favicon too) need nobody.
    if request.path.startswith(("/api/", "/static/", "/favicon.ico")):
        return
    load_actor()
    check_csrf()


def _capabilities() -> dict:
    """Templates decide what to offer from the signed-in person's capabilities (engine.services.authorization):
    `{% if 'board:read' in can %}`; nobody signed in holds none."""
    actor = g.get("actor")
    return {"can": actor.capabilities if actor is not None else frozenset()}


def favicon():
    """Clients that ask /favicon.ico without reading the page's <link rel="icon"> get the same icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


def markdown(text: str | None) -> Markup:
    """A text people wrote, as the safe HTML of its Markdown (engine.markdown renders and sanitises it)."""
    return Markup(markdown_html(text if isinstance(text, str) else None))  # sanitised by nh3: safe to mark


def register_pages(app: Flask) -> None:
    from webapp.pages import (
        account,
        admin,
        board,
        inbox,
        mail_templates,
        notifications,
        ops,
        password_links,
        portal,
        processes,
        replies,
        search,
        signin,
        tasks,
        ticket_list,
        tickets,
    )

    app.jinja_env.globals[CSRF_FIELD] = csrf_token
    app.jinja_env.filters["vocab"] = vocab
    app.jinja_env.filters["choices"] = choices
    app.jinja_env.filters["hours"] = hours_text  # 16, 12.5: efforts read the same on every page and in mails
    app.jinja_env.filters["markdown"] = markdown  # what people write: descriptions, comments, answers, offers
    app.before_request(_page_request_hooks)
    app.context_processor(_capabilities)
    app.context_processor(notifications.bell)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    for module in (signin, account, password_links, inbox, notifications, tasks, ticket_list, tickets, portal, board,
                   processes, ops, admin, replies, mail_templates, search):
        app.register_blueprint(module.bp)
