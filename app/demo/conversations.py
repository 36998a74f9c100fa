"""Demo Gesprekken: one answered (the ouder and juf Anna about Sam), one waiting for an
answer (about Lotte, with the administratie), one "alleen voor mij" (ouder2 about Sam)."""
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Conversation, ConversationMessage


def _conversation(child, parent, with_whom, subject, private, messages, start):
    if db.session.scalar(select(Conversation.id).where(Conversation.subject == subject,
                                                       Conversation.child_id == child.id)):
        return
    conversation = Conversation(child_id=child.id, parent_id=parent.id, with_whom=with_whom, subject=subject,
                                private=private, created_at=start, last_message_at=start)
    db.session.add(conversation)
    moment = start
    for author, text in messages:
        moment += timedelta(hours=2)
        db.session.add(ConversationMessage(conversation=conversation, author_id=author.id,
                                           by_staff=author.is_staff, text=text, created_at=moment,
                                           visible_at=moment))
        conversation.last_message_at = moment
        conversation.answered_at = moment if author.is_staff else None


def seed(ctx):
    created = ctx.created
    parent, parent2, sam, lotte = created["parent"], created["parent2"], created["sam"], created["lotte"]
    teacher = created["groups"]["3"].teachers[0] if created["groups"]["3"].teachers else created["admin"]
    start = clock.utcnow().replace(hour=7, minute=0, second=0, microsecond=0) - timedelta(days=2)
    _conversation(sam, parent, "leerkracht", "Gymschoenen kwijt", False, [
        (parent, "Sam is sinds de gymles van dinsdag zijn gymschoenen kwijt. Zijn ze misschien blijven liggen?"),
        (teacher, "Ze stonden nog in de kleedkamer. Ik heb ze in zijn tas gedaan."),
    ], start)
    _conversation(lotte, parent, "administratie", "Nieuw adres vanaf januari", False, [
        (parent, "Wij verhuizen op 15 januari. Moet ik het nieuwe adres ergens doorgeven?"),
    ], start + timedelta(days=1))
    _conversation(sam, parent2, "leerkracht", "Ophalen op woensdag", True, [
        (parent2, "Vanaf volgende week haal ik Sam op woensdag op. Wilt u dat noteren?"),
    ], start + timedelta(days=1, hours=1))
