"""The one rule for e-mail addresses, for every place an address comes in.

Built on email-validator (syntax of RFC 5321/5322/6531, IDNA 2008 with UTS #46), never a
hand-written regex:

- The domain is stored as its IDNA A-label (`ouder@exämple.org` is stored as
  `ouder@xn--exmple-cua.org`). That is the form every SMTP server and every mail header
  takes without extensions, so what is in the database is exactly what goes on the wire;
  and one stored form means one account per address however the parent types it: a
  lookup (`login_key`) converts what is typed the same way, so both forms find the account.
- A non-ASCII local part (`bé.midden@…`) can only be delivered by a relay that offers
  SMTPUTF8 (RFC 6531). It is refused with a Dutch message unless the deployer says their
  relay offers it (`MAIL_SMTPUTF8=1`); the sender then asks for SMTPUTF8 per mail and the
  server's EHLO decides (app/jobs/mail.py).
- Control characters, spaces, display names ("Naam <a@b.nl>"), quoted local parts,
  IP-address domains and special-use domains (.invalid, .localhost, .test, …) are refused.

`normalise_address` is the function (the CSV import calls it), `EmailAddress` the WTForms
validator (it also puts the normalised form into the field's data).
"""
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from wtforms.validators import ValidationError

INVALID = "Vul een geldig e-mailadres in."
NOT_DELIVERABLE_HERE = (
    "Dit e-mailadres heeft letters met accenten (zoals é of ü) vóór de @. Daar kan de mailserver "
    "van de school geen e-mail naartoe sturen. Gebruik een e-mailadres zonder zulke letters vóór de @."
)


class AddressError(ValueError):
    """An address that cannot be used; `message` is Dutch, `smtputf8` says why."""

    def __init__(self, message, smtputf8=False):
        super().__init__(message)
        self.message = message
        self.smtputf8 = smtputf8  # valid, but only deliverable with SMTPUTF8


def smtputf8_enabled():
    """True when the deployer's relay offers SMTPUTF8 (setting MAIL_SMTPUTF8)."""
    return bool(has_app_context() and current_app.config.get("MAIL_SMTPUTF8"))


def _validate(value):
    return validate_email(
        value,
        allow_smtputf8=True,           # decided below, so the message can say why
        allow_display_name=False,
        allow_quoted_local=False,
        allow_domain_literal=False,
        allow_empty_local=False,
        check_deliverability=False,    # no DNS from a web request or an import
    )


def normalise_address(value, *, smtputf8=None, message=INVALID):
    """The address to store (domain as IDNA A-label), or AddressError with a Dutch message.

    `smtputf8`: whether a non-ASCII local part is acceptable (default: MAIL_SMTPUTF8)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 254:
        raise AddressError(message)
    try:
        info = _validate(text)
    except EmailNotValidError:
        raise AddressError(message) from None
    if info.smtputf8 and not (smtputf8_enabled() if smtputf8 is None else smtputf8):
        raise AddressError(NOT_DELIVERABLE_HERE, smtputf8=True)
    local = info.ascii_local_part or info.local_part
    if text.isascii():
        # Keep the address as typed (its case too) when nothing needs converting.
        return text
    address = f"{local}@{info.ascii_domain}"
    if len(address) > 254:  # the A-label is longer than the Unicode form; columns hold 254
        raise AddressError(message)
    return address


def login_key(value):
    """How a typed login name is looked up and stored: trimmed, lower case, the domain as
    IDNA A-label. Never raises: what is not an address is just trimmed and lowered (and
    then finds nobody)."""
    text = (value or "").strip() if isinstance(value, str) else ""
    try:
        text = normalise_address(text, smtputf8=True)
    except AddressError:
        pass
    return text.lower()


class EmailAddress:
    """WTForms validator: the address rule above, Dutch messages, normalised data.

    `for_lookup=True` (password reset: the address is only looked up, never stored) accepts
    any valid address, also one with a non-ASCII local part."""

    def __init__(self, message=INVALID, for_lookup=False):
        self.message = message
        self.for_lookup = for_lookup

    def __call__(self, form, field):
        if field.data is None or field.data == "":
            return  # DataRequired / Optional decide about an empty field
        try:
            field.data = normalise_address(field.data, smtputf8=True if self.for_lookup else None,
                                           message=self.message)
        except AddressError as exc:
            raise ValidationError(exc.message) from None


def row_message(value, exc):
    """The reason for an import row (the address quoted as it was in the file)."""
    if exc.smtputf8:
        return f"'{value}' heeft letters met accenten (zoals é of ü) vóór de @; daar kan de mailserver " \
               f"van de school geen e-mail naartoe sturen. Gebruik een e-mailadres zonder zulke letters vóór de @."
    return f"'{value}' is geen geldig e-mailadres."
