"""The mails of the portal as messages whose every header we build (`PortalMessage`).

Every header of every mail is built here, in `PortalMessage`, and nowhere else:

- each value (a title, the school name, an address, a file name, a URL) is first made one
  line of text: CR, LF, NUL, TAB, every other control character and the Unicode line
  separators become a space (`header_text`), so no value can start a header of its own;
- then it is encoded (RFC 2047 encoded words, UTF-8/base64, only whole characters per
  word, never an empty word) when it is not plain ASCII, and folded by us into lines of at
  most 76 characters. The email package is told not to fold again (its folder makes empty
  encoded words `=?utf-8?q??=` in some long subjects, and can fold inside a word);
- addresses are checked with the address rule (app/email_address.py) before they reach
  the To header or the SMTP envelope: an address that is not one address is a mail that
  cannot be written (`MailNotWritable`, a permanent failure staff see under Beheer > E-mail);
- and, belt and braces, the finished header block is read back: any header we did not
  put there (a Bcc, a Reply-To, a second To) stops the mail.

Python's email package on this machine (3.11) still lets a raw newline in a header value
through when the value is set under its compat32 policy (which Flask-Mail uses), so the
defence has to be ours.
"""
import base64
import re
from email import policy
from email.encoders import encode_base64
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

from email_validator import EmailNotValidError, validate_email
from flask_mail import Message

LINE = 76  # RFC 2047: a line holding an encoded word is at most 76 characters
WORD = 75  # RFC 2047: an encoded word is at most 75 characters
# Our lines are already folded; the email package must leave them alone (998: RFC 5322's
# hard limit, which nothing of ours reaches).
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)
SMTPUTF8_POLICY = policy.SMTPUTF8.clone(max_line_length=998)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")
_HEADER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,60}$")
# Headers a caller may add (extra_headers); everything else about a mail is built here.
EXTRA_HEADERS = {"list-unsubscribe", "list-unsubscribe-post", "auto-submitted", "x-auto-response-suppress"}
TOP_HEADERS = {"content-type", "mime-version", "content-transfer-encoding", "subject", "from", "to", "date",
               "message-id"} | EXTRA_HEADERS


class MailNotWritable(Exception):
    """A mail that cannot be written as it is (an address that is not one address, a value
    no header may carry). Permanent: sending it again would fail again. The text is Dutch
    and shown under Beheer > E-mail."""


# --- header values -------------------------------------------------------------------------

def header_text(value):
    """A value as one line of plain text: control characters and line breaks are spaces,
    runs of white space one space."""
    text = "" if value is None else str(value)
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def _word(data):
    return f"=?utf-8?b?{base64.b64encode(data).decode('ascii')}?="


def _word_length(size):
    return 12 + 4 * ((size + 2) // 3)


def _encoded_words(text, first_room):
    """`text` as encoded words: the first fits in `first_room`, the others in a line of
    their own (each at most 75 characters, whole characters only, never empty)."""
    words, chunk, size = [], [], 0
    room = max(min(first_room, WORD), 20)
    for char in text:
        length = len(char.encode("utf-8"))
        if chunk and _word_length(size + length) > room:
            words.append(_word("".join(chunk).encode("utf-8")))
            chunk, size, room = [], 0, WORD
        chunk.append(char)
        size += length
    if chunk:
        words.append(_word("".join(chunk).encode("utf-8")))
    return words


def _needs_encoding(text):
    # ASCII that looks like an encoded word ("=?") would be decoded by the reader.
    return not text.isascii() or "=?" in text


def _fold(tokens, used):
    """Join tokens with spaces into lines of at most 76 characters (the first line already
    holds `used` characters: the header name and ': '); continuation lines start with a
    space. A token longer than a line gets a line of its own."""
    lines, line, width = [], "", used
    for token in tokens:
        if not line:
            line = token
        elif width + len(line) + 1 + len(token) <= LINE:
            line += " " + token
        else:
            lines.append(line)
            line, width = token, 1
    lines.append(line)
    return "\r\n ".join(lines)


def text_header(name, value):
    """A folded, encoded value for an unstructured header (Subject, List-Unsubscribe...)."""
    text = header_text(value)
    used = len(name) + 2
    if _needs_encoding(text):
        return _fold(_encoded_words(text, LINE - used), used)
    return _fold(text.split(" ") if text else [""], used)


_SPECIALS = set('()<>[]:;@\\,."')


def _phrase_tokens(display, first_room):
    """A display name as tokens: atoms, a quoted string, or encoded words."""
    text = header_text(display)
    if not text:
        return []
    if _needs_encoding(text):
        return _encoded_words(text, first_room)
    if any(char in _SPECIALS for char in text):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text.split(" ")


def address_header(name, display, address):
    """`Display Name <address>` for From and To, folded; `address` already checked."""
    used = len(name) + 2
    tokens = _phrase_tokens(display, LINE - used)
    return _fold(tokens + [f"<{address}>"] if tokens else [address], used)


def mail_address(value):
    """(address, needs SMTPUTF8) of one address that may go into a header and the SMTP
    envelope, or MailNotWritable. An ASCII address goes as it is; a Unicode domain as its
    IDNA A-label; a non-ASCII local part only with SMTPUTF8 (decided when sending)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or _CONTROL.search(text):
        raise MailNotWritable(f"Ongeldig e-mailadres: {header_text(text)!r}"[:200])
    try:
        info = validate_email(text, allow_smtputf8=True, allow_display_name=False, allow_quoted_local=False,
                              allow_domain_literal=False, check_deliverability=False)
    except EmailNotValidError:
        raise MailNotWritable(f"Ongeldig e-mailadres: {text!r}"[:200]) from None
    if text.isascii():
        return text, False
    local = info.ascii_local_part or info.local_part
    return f"{local}@{info.ascii_domain}", info.smtputf8


def _sender_parts(sender):
    """(display name, address, needs SMTPUTF8) of MAIL_DEFAULT_SENDER ("Name <address>" or
    a bare address): the address is what is inside the last <...>, the name all before it
    (no address parser guessing at a name with a colon or an @ in it)."""
    if isinstance(sender, tuple):
        display, address = sender
    else:
        text = header_text(sender)
        display, bracket, rest = text.rpartition("<")
        if bracket and rest.endswith(">"):
            address = rest[:-1]
        else:
            display, address = "", text
    address, utf8 = mail_address(address)
    return header_text(display).strip('"').strip(), address, utf8


def _check_header_block(data):
    """Read the finished top-level header block back: only headers we put there, each
    once, every other line a continuation. The last line of defence against a header
    that a value smuggled in."""
    head = data.split(b"\r\n\r\n", 1)[0]
    seen = []
    for line in head.split(b"\r\n"):
        if not line:
            raise MailNotWritable("Lege regel in de kopregels van de e-mail.")
        if line[:1] in (b" ", b"\t"):
            if not seen:
                raise MailNotWritable("Kopregels van de e-mail beginnen met een vervolgregel.")
            continue
        name, colon, _ = line.partition(b":")
        if not colon:
            raise MailNotWritable("Ongeldige kopregel in de e-mail.")
        seen.append(name.decode("ascii", "replace").strip().lower())
    unknown = set(seen) - TOP_HEADERS
    doubles = {name for name in seen if seen.count(name) > 1}
    if unknown or doubles:
        raise MailNotWritable(f"Onverwachte kopregels in de e-mail: {', '.join(sorted(unknown | doubles))}")


def _content_type(value):
    """(maintype, subtype, {param: value}) of an attachment's content type."""
    mime_type, *params = [header_text(part) for part in (value or "application/octet-stream").split(";")]
    maintype, _, subtype = mime_type.partition("/")
    if not re.fullmatch(r"[a-z0-9.+-]+", maintype.lower()) or not re.fullmatch(r"[a-z0-9.+-]+", subtype.lower()):
        maintype, subtype = "application", "octet-stream"
    values = {}
    for param in params:
        key, _, val = param.partition("=")
        if re.fullmatch(r"[A-Za-z0-9-]+", key.strip()):
            values[key.strip().lower()] = val.strip().strip('"')
    return maintype.lower(), subtype.lower(), values


class PortalMessage(Message):
    """A flask_mail.Message whose headers are all built by this module (see the module
    docstring). Used like Message: subject, recipients, body, html, sender, extra_headers,
    attach(); Cc, Bcc and Reply-To are not offered.

    The recipients and the sender are checked when the message is made: `recipients` and
    `sender` then hold the bare addresses (what Flask-Mail puts in the SMTP envelope),
    and a mail that needs SMTPUTF8 asks the server for it."""

    def __init__(self, subject="", recipients=None, body=None, html=None, sender=None, extra_headers=None, **kwargs):
        for refused in ("cc", "bcc", "reply_to"):
            if kwargs.get(refused):
                raise ValueError(f"{refused} is not offered by PortalMessage")
        super().__init__(subject=subject, recipients=list(recipients or []), body=body, html=html,
                         sender=sender, extra_headers=extra_headers, **kwargs)
        self.sender_name, sender_address, utf8 = _sender_parts(self.sender)
        self.sender = sender_address
        checked = [mail_address(address) for address in self.recipients]
        if len(checked) != 1:
            raise MailNotWritable("Een e-mail van het ouderportaal gaat naar precies één adres.")
        self.recipients = [address for address, _ in checked]
        self.smtputf8 = utf8 or any(needs for _, needs in checked)
        if self.smtputf8 and "SMTPUTF8" not in self.mail_options:
            self.mail_options.append("SMTPUTF8")

    def has_bad_headers(self):
        # Flask-Mail's check looks at the raw values; ours are folded to one line and the
        # finished header block is checked in as_bytes().
        return False

    def _message(self):
        body = MIMEText(self.body or "", "plain", "utf-8")
        if self.html:
            alternative = MIMEMultipart("alternative")
            alternative.attach(body)
            alternative.attach(MIMEText(self.html, "html", "utf-8"))
            body = alternative
        if self.attachments:
            message = MIMEMultipart()
            message.attach(body)
            for attachment in self.attachments:
                message.attach(self._attachment(attachment))
        else:
            message = body
        message["Subject"] = text_header("Subject", self.subject)
        message["From"] = address_header("From", self.sender_name, self.sender)
        message["To"] = address_header("To", None, self.recipients[0])
        message["Date"] = formatdate(self.date, localtime=True)
        message["Message-ID"] = header_text(self.msgId)
        for name, value in (self.extra_headers or {}).items():
            if not _HEADER_NAME.match(name) or name.lower() not in EXTRA_HEADERS:
                raise MailNotWritable(f"Kopregel {header_text(name)!r} is niet toegestaan.")
            message[name] = text_header(name, value)
        message.policy = SMTPUTF8_POLICY if self.smtputf8 else SMTP_POLICY
        return message

    @staticmethod
    def _attachment(attachment):
        maintype, subtype, params = _content_type(attachment.content_type)
        part = MIMEBase(maintype, subtype, **params)
        part.set_payload(attachment.data)
        encode_base64(part)
        filename = header_text(attachment.filename).replace("/", "-").replace("\\", "-") or "bijlage"
        if filename.isascii():
            part.add_header("Content-Disposition", "attachment", filename=filename)
        else:  # RFC 2231
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
        return part

    def as_bytes(self):
        try:
            data = self._message().as_bytes()
        except UnicodeError as exc:  # a value the chosen policy cannot write
            raise MailNotWritable(f"De e-mail kon niet worden opgemaakt: {exc}"[:300]) from exc
        _check_header_block(data)
        return data

    def as_string(self):
        return self.as_bytes().decode("utf-8", "replace")

