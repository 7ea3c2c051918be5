"""Admin forms for users and stores."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from audit.vocabulary import Channel, Role
from audit.web.labels import CHANNEL_TITLE, ROLE

ROLE_CHOICES = [SelectChoice(role.value, ROLE[role])
                for role in (Role.SHOPPER, Role.MANAGER, Role.ADMIN)]
CHANNEL_CHOICES = [SelectChoice(channel.value, CHANNEL_TITLE[channel]) for channel in Channel]


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    is_reviewer = BooleanField(_l("May review and publish visits (admins only)"))
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "At least 10 characters and not easy to guess: a few unrelated words work well. "
            "Leave empty to keep the current password."),
    )
    regions = SelectMultipleField(_l("Regions managed (managers)"), choices=[])


class StoreForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l('Letters, digits and "-" only.')),
        ],
    )
    # "Name" of a store is not a person's name in Polish or Russian: a context of its own.
    name = StringField(lazy_pgettext("store", "Name"),
                       validators=[DataRequired(), Length(max=120)])
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES)
    region = StringField(_l("Region"), validators=[DataRequired(), Length(max=60)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    url = URLField(_l("Web address"), validators=[Optional(), URL(), Length(max=300)])
    latitude = DecimalField(
        _l("Latitude"), places=6, validators=[Optional(), NumberRange(-90, 90)]
    )
    longitude = DecimalField(
        _l("Longitude"), places=6, validators=[Optional(), NumberRange(-180, 180)]
    )
    managers = SelectMultipleField(_l("Managers"), coerce=int, choices=[])

    def validate(self, extra_validators=None) -> bool:
        """A physical shop needs an address, an online one its web address."""
        ok = super().validate(extra_validators)
        if self.channel.data == "physical" and not self.address.data:
            self.address.errors.append(_l("A physical shop needs an address."))
            ok = False
        if self.channel.data == "online" and not self.url.data:
            self.url.errors.append(_l("An online shop needs its web address."))
            ok = False
        return ok
