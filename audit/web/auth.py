"""Login, logout, roles, and the guards that protect every blueprint."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from audit.sessions import end_session as end_server_session
from audit.sessions import end_user_sessions, session_user, start_session
from audit.vocabulary import Role
from audit.web.database import get_db
from audit.web.login_form import LoginForm
from audit.web.ratelimit import login_refused, note_failed_login, remember_device
from audit.web.security import end_session, new_session

ROLES = tuple(Role)
HOME = {"admin": "admin.index", "manager": "manager.index", "shopper": "shopper.index"}

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
SESSION_ENDED = _l("Your session has ended. Please log in again.")
# "basic", not "strong": strong ties the session to the IP address, and a shopper's phone
# switches between Wi-Fi and mobile data mid-visit; logging them out there costs more than it
# protects (sessions are signed, HttpOnly, SameSite=Lax, and renewed at login).
login_manager.session_protection = "basic"


@dataclass
class User:
    """The logged-in person, as flask-login wants it."""

    id: int
    email: str
    name: str
    role: str
    is_reviewer: bool
    active: bool
    language: str | None = None
    session_token: str = ""

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot log in."""
        return self.active

    def get_id(self) -> str:
        """What flask-login keeps in the cookie: the server-side session's token, not the user id,
        so that ending the session there ends this cookie (audit/sessions.py)."""
        return self.session_token

    @property
    def can_review(self) -> bool:
        """Admins with the reviewer permission review and publish visits."""
        return self.role == "admin" and self.is_reviewer

    @classmethod
    def from_row(cls, row: dict, session_token: str = "") -> User:
        """Build from a users row."""
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            role=row["role"],
            is_reviewer=bool(row["is_reviewer"]),
            active=bool(row["active"]),
            language=row["language"],
            session_token=session_token,
        )


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Load the user of this session on every request; an ended session or a deactivated user
    is logged out at once, and the login page then says the session ended."""
    row = session_user(get_db(), token, current_app.config["SESSION_IDLE_DAYS"])
    if row is None:
        g.session_ended = True
        return None
    return User.from_row(row, session_token=token)


def _login_message(message: str) -> str:
    """The login page's note: why the reader was sent there."""
    return str(SESSION_ENDED if g.get("session_ended") else message)


login_manager.localize_callback = _login_message


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same answer for every failure)."""
    rows = list(get_db().query("SELECT * FROM users WHERE email = ?", [email.strip()]))
    # Hash even when the e-mail is unknown, so timing does not tell which accounts exist.
    stored = rows[0]["password_hash"] if rows else _dummy_hash()
    if check_password_hash(stored, password) and rows and rows[0]["active"]:
        return User.from_row(rows[0])
    return None


@cache
def _dummy_hash() -> str:
    """A real hash of nothing, so an unknown e-mail costs as much time as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


def safe_next(target: str | None) -> str | None:
    """Only follow a ?next= that stays on this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and "//" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        if refused := login_refused(form.email.data):
            return refused
        user = authenticate(form.email.data, form.password.data)
        if user:
            log_in(user)
            response = redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
            remember_device(response, form.email.data)
            return response
        note_failed_login(form.email.data)  # only failures count against the login limits
        flash(_("Wrong e-mail or password."), "error")
    return render_template("auth/login.html", form=form)


def log_in(user: User) -> None:
    """Start a server-side session for the user and a fresh cookie that names it."""
    user.session_token = start_session(get_db(), user.id, current_app.config["SESSION_IDLE_DAYS"])
    new_session()  # against session fixation: see audit/web/security.py
    login_user(user)


def _leave(message: str | None = None):
    """Forget the cookie's session and show the login page (with a note, if any)."""
    end_session()
    logout_user()
    if message:
        flash(message, "success")
    return redirect(url_for("auth.login"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out this device (POST, so a link elsewhere cannot log anyone out)."""
    end_server_session(get_db(), current_user.session_token)
    return _leave()


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of the reader: other phones and browsers, and this one."""
    end_user_sessions(get_db(), current_user.id)
    return _leave(_("You are logged out on every device."))


@bp.route("/")
@login_required
def home():
    """Send each role to its own start page."""
    return redirect(url_for(HOME[current_user.role]))


def guard(blueprint: Blueprint, *roles: str, reviewer: bool = False) -> None:
    """Make every route of a blueprint require login and one of roles (403 otherwise)."""

    @blueprint.before_request
    @login_required
    def _check_role():
        if current_user.role not in roles:
            abort(403)
        if reviewer and not current_user.can_review:
            abort(403)


def init_app(app: Flask) -> None:
    """Wire flask-login and the login routes."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
