"""Rendering and delivering e-mail: the names the rest of the portal imports.

The work is in three modules of one job each:

- app/jobs/message.py: `PortalMessage`, the one place every header of every mail is built
  (one line, encoded, folded, addresses checked, the header block read back);
- app/jobs/delivery.py: `build_message` from the email/ templates, `deliver` over SMTP
  (with a timeout) or to the outbox without MAIL_SERVER;
- app/jobs/account_mail.py: the account mails (`ACCOUNT_MAILS`): recorded in the delivery
  ledger in the service's transaction (`record_account_mail`), sent by their job
  (`send_recorded` enqueues `send_account_mail`) or else by the minute tick.
"""
from app.jobs.account_mail import (  # noqa: F401
    ACCOUNT_MAILS,
    AccountMail,
    RecordedMail,
    account_message,
    record_account_mail,
    send_account_mail,
    send_recorded,
)
from app.jobs.delivery import PortalConnection, build_message, connect, deliver  # noqa: F401
from app.jobs.message import (  # noqa: F401
    MailNotWritable,
    PortalMessage,
    address_header,
    header_text,
    mail_address,
    text_header,
)
