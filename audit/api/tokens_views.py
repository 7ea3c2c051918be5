"""The page where a manager or an admin makes and revokes their own API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from audit.api_tokens import MAX_NAME, create_token, revoke_token, user_tokens
from audit.errors import DomainError
from audit.web.auth import guard
from audit.web.database import get_db
from audit.web.validation import form_status, show_on_form

tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")
guard(tokens_bp, "manager", "admin")  # a shopper's token would see nothing: the API says 403


class TokenForm(FlaskForm):
    """A new token's name (create_token says what a name must be: one rule, one place)."""

    name = StringField(_l("Name"), description=_l("What the token is for, e.g. the BI tool."),
                       render_kw={"maxlength": MAX_NAME})


class RevokeForm(FlaskForm):
    """The CSRF token of a revoke button."""


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    """The tokens page; `secret` is a just-made token, shown this once."""
    return render_template("account/api_tokens.html", form=form, revoke=RevokeForm(),
                           tokens=user_tokens(get_db(), current_user.id), secret=secret,
                           api_url=url_for("api.stores", _external=True)), status


@tokens_bp.route("/", methods=["GET", "POST"])
def index():
    """My tokens, and a form to make one (its secret is on the answer, never stored)."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _id, secret = create_token(get_db(), current_user.id, form.name.data)
        except DomainError as err:
            show_on_form(form, err)
        else:
            # Rendered, not redirected: a redirect would have to carry the secret in the
            # session cookie or the URL.
            return _page(TokenForm(formdata=None), secret, 201)
    return _page(form, status=form_status(form) if form.errors else 200)


@tokens_bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    """Revoke one of my tokens; it stops working at once."""
    if RevokeForm().validate_on_submit():
        revoke_token(get_db(), current_user.id, token_id)
        flash(_("The token is revoked."), "success")
    return redirect(url_for("api_tokens.index"))
